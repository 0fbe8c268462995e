//go:build !linux

package procmem

func dropCodePages() (int, error) { return 0, nil }
