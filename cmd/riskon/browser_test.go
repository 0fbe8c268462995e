package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// This file drives headless Chromium through the DevTools protocol over a
// pipe (--remote-debugging-pipe: JSON messages separated by NUL bytes on
// file descriptors 3 and 4), so the test needs no websocket library and no
// port. It opens a report from a file:// URL and records every console
// message, log entry, exception and network request.

// chromiumPath returns Chromium, or skips the test when it is absent (CI
// installs Debian's package: see .ci/run).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not installed (apt-get install chromium); .ci/run installs it")
	return ""
}

type cdpMsg struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *cdpError       `json:"error,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
}

type cdpError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// browser is one Chromium process and its DevTools pipe.
type browser struct {
	cmd      *exec.Cmd
	toChrome *os.File
	mu       sync.Mutex
	nextID   int
	waiting  map[int]chan cdpMsg
	events   chan cdpMsg
	done     chan struct{}
	stderr   *strings.Builder
}

// proxyLog is a local HTTP proxy that records the host of every request
// Chromium sends through it; the browser is pointed at it for every URL,
// loopback included, so any network request would show up here.
type proxyLog struct {
	mu   sync.Mutex
	seen []string
}

func (p *proxyLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.seen = append(p.seen, r.Host)
	p.mu.Unlock()
	http.Error(w, "riskon test proxy: no network", http.StatusForbidden)
}

func (p *proxyLog) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

func startBrowser(t *testing.T, proxy string) *browser {
	t.Helper()
	bin := chromiumPath(t)
	fromTest, toChrome, err := os.Pipe() // Chromium reads fd 3
	if err != nil {
		t.Fatal(err)
	}
	fromChrome, toTest, err := os.Pipe() // Chromium writes fd 4
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
		// Chromium's own services, which would otherwise call home through the proxy
		// (network time, component and variations updates, sign-in, safe browsing).
		"--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,DialMediaRouteProvider",
		"--no-pings", "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--disable-breakpad",
		"--metrics-recording-only", "--no-default-browser-check", "--safebrowsing-disable-auto-update", "--disable-sync",
		"--variations-server-url=http://127.0.0.1:9/", "--disable-field-trial-config", "--disable-signin-promo",
		"--user-data-dir=" + t.TempDir(), "--remote-debugging-pipe",
		"--proxy-server=" + proxy, "--proxy-bypass-list=<-loopback>", "about:blank"}
	cmd := exec.Command(bin, args...)
	cmd.ExtraFiles = []*os.File{fromTest, toTest}
	var stderr strings.Builder
	cmd.Stderr = &lockedWriter{w: &stderr}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	fromTest.Close()
	toTest.Close()
	b := &browser{cmd: cmd, toChrome: toChrome, waiting: map[int]chan cdpMsg{}, events: make(chan cdpMsg, 4096), done: make(chan struct{}), stderr: &stderr}
	go b.read(fromChrome)
	t.Cleanup(func() {
		_, _ = b.call(context.Background(), "", "Browser.close", nil)
		toChrome.Close()
		waited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-waited
		}
		fromChrome.Close()
	})
	return b
}

type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (b *browser) read(r *os.File) {
	defer close(b.done)
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMsg
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		if m.ID != 0 {
			b.mu.Lock()
			ch := b.waiting[m.ID]
			delete(b.waiting, m.ID)
			b.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		select {
		case b.events <- m:
		default: // a flood of events: drop rather than block the reader
		}
	}
}

// call sends a command (to a page session when session is set) and waits for
// its answer.
func (b *browser) call(ctx context.Context, session, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMsg, 1)
	b.waiting[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	if _, err := b.toChrome.Write(append(raw, 0)); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		return m.Result, nil
	case <-b.done:
		return nil, fmt.Errorf("%s: chromium exited", method)
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// pageVisit is what opening a page showed.
type pageVisit struct {
	Console  []string // console messages and log entries of level warning or error, exceptions
	Canary   bool     // the canary console.error came through (the capture works)
	Requests []string // URLs the page requested
	Layout   pageLayout
	PNG      []byte
}

// pageLayout is measured in the page.
type pageLayout struct {
	Sections []struct {
		ID      string  `json:"id"`
		Visible bool    `json:"visible"`
		Height  float64 `json:"height"`
	} `json:"sections"`
	Charts []struct {
		Section string  `json:"section"`
		Width   float64 `json:"width"`
		Height  float64 `json:"height"`
		Paths   int     `json:"paths"`
		Signals int     `json:"signals"`
		// Clipped lists the texts (axis labels, ticks, legends) drawn
		// partly outside their chart's box, where the browser cuts them.
		Clipped []string `json:"clipped"`
	} `json:"charts"`
	Missing    []string `json:"missing"`
	TooFew     bool     `json:"tooFew"`
	Synthetic  bool     `json:"synthetic"`
	Evidence   string   `json:"evidence"`
	ScrollH    float64  `json:"scrollH"`
	ConfigOpen bool     `json:"configOpen"`
}

const measureJS = `(() => {
  const vis = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.display !== 'none' && s.visibility !== 'hidden' && Number(s.opacity) > 0; };
  const out = {sections: [], charts: [], missing: []};
  for (const el of document.querySelectorAll('[data-section]')) {
    out.sections.push({id: el.dataset.section, visible: vis(el), height: el.getBoundingClientRect().height});
  }
  for (const svg of document.querySelectorAll('svg')) {
    const r = svg.getBoundingClientRect(), sec = svg.closest('[data-section]');
    const clipped = [];
    for (const tx of svg.querySelectorAll('text')) {
      const b = tx.getBoundingClientRect();
      if (b.width === 0 || b.height === 0) continue;
      if (b.left < r.left - 1 || b.right > r.right + 1 || b.top < r.top - 1 || b.bottom > r.bottom + 1) clipped.push(tx.textContent);
    }
    out.charts.push({section: sec ? sec.dataset.section : '', width: r.width, height: r.height,
      paths: svg.querySelectorAll('path').length, signals: svg.querySelectorAll('g.signal').length, clipped: clipped});
  }
  for (const el of document.querySelectorAll('.missing')) out.missing.push(el.textContent);
  const tf = document.getElementById('too-few'); out.tooFew = !!tf && vis(tf);
  const sb = document.getElementById('synthetic'); out.synthetic = !!sb && vis(sb);
  const ev = document.getElementById('evidence'); out.evidence = ev ? ev.innerText : '';
  const cfg = document.getElementById('config'); out.configOpen = !!cfg && cfg.open;
  out.scrollH = document.documentElement.scrollHeight;
  return JSON.stringify(out);
})()`

// visit opens path in a new page, waits for it to load, measures it and
// takes a full-page screenshot.
func (b *browser) visit(ctx context.Context, path string) (*pageVisit, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	url := "file://" + abs
	res, err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"})
	if err != nil {
		return nil, err
	}
	var tg struct {
		TargetID string `json:"targetId"`
	}
	if err := json.Unmarshal(res, &tg); err != nil {
		return nil, err
	}
	res, err = b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": tg.TargetID, "flatten": true})
	if err != nil {
		return nil, err
	}
	var at struct {
		SessionID string `json:"sessionId"`
	}
	if err := json.Unmarshal(res, &at); err != nil {
		return nil, err
	}
	s := at.SessionID
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"} {
		if _, err := b.call(ctx, s, m, nil); err != nil {
			return nil, err
		}
	}
	if _, err := b.call(ctx, s, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": false}); err != nil {
		return nil, err
	}
	v := &pageVisit{}
	if _, err := b.call(ctx, s, "Page.navigate", map[string]any{"url": url}); err != nil {
		return nil, err
	}
	collect := func(m cdpMsg) (loaded bool) {
		if m.SessionID != s {
			return false
		}
		switch m.Method {
		case "Page.loadEventFired":
			return true
		case "Network.requestWillBeSent":
			var p struct {
				Request struct {
					URL string `json:"url"`
				} `json:"request"`
			}
			if json.Unmarshal(m.Params, &p) == nil {
				v.Requests = append(v.Requests, p.Request.URL)
			}
		case "Runtime.consoleAPICalled":
			var p struct {
				Type string `json:"type"`
				Args []struct {
					Value       any    `json:"value"`
					Description string `json:"description"`
				} `json:"args"`
			}
			if json.Unmarshal(m.Params, &p) == nil {
				var parts []string
				for _, a := range p.Args {
					parts = append(parts, fmt.Sprint(a.Value, a.Description))
				}
				text := strings.Join(parts, " ")
				if strings.Contains(text, "riskon-canary") {
					v.Canary = true
				} else {
					v.Console = append(v.Console, "console."+p.Type+": "+text)
				}
			}
		case "Log.entryAdded":
			var p struct {
				Entry struct {
					Level, Source, Text, URL string
				} `json:"entry"`
			}
			if json.Unmarshal(m.Params, &p) == nil && (p.Entry.Level == "error" || p.Entry.Level == "warning") {
				v.Console = append(v.Console, fmt.Sprintf("log %s (%s): %s %s", p.Entry.Level, p.Entry.Source, p.Entry.Text, p.Entry.URL))
			}
		case "Runtime.exceptionThrown":
			v.Console = append(v.Console, "exception: "+string(m.Params))
		}
		return false
	}
	for loaded := false; !loaded; {
		select {
		case m := <-b.events:
			loaded = collect(m)
		case <-ctx.Done():
			return nil, fmt.Errorf("load %s: %w", url, ctx.Err())
		case <-b.done:
			return nil, errors.New("chromium exited while loading the page")
		}
	}
	// The canary proves that console capture works in this very session.
	if _, err := b.call(ctx, s, "Runtime.evaluate", map[string]any{"expression": `console.error("riskon-canary")`}); err != nil {
		return nil, err
	}
	res, err = b.call(ctx, s, "Runtime.evaluate", map[string]any{"expression": measureJS, "returnByValue": true})
	if err != nil {
		return nil, err
	}
	var ev struct {
		Result struct {
			Value string `json:"value"`
		} `json:"result"`
		ExceptionDetails json.RawMessage `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &ev); err != nil {
		return nil, err
	}
	if len(ev.ExceptionDetails) > 0 {
		return nil, fmt.Errorf("measure: %s", ev.ExceptionDetails)
	}
	if err := json.Unmarshal([]byte(ev.Result.Value), &v.Layout); err != nil {
		return nil, fmt.Errorf("measure: %w", err)
	}
	h := min(max(int(v.Layout.ScrollH), 900), 16000)
	if _, err := b.call(ctx, s, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 1200, "height": h, "deviceScaleFactor": 1, "mobile": false}); err != nil {
		return nil, err
	}
	res, err = b.call(ctx, s, "Page.captureScreenshot", map[string]any{"format": "png"})
	if err != nil {
		return nil, err
	}
	var shot struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(res, &shot); err != nil {
		return nil, err
	}
	if v.PNG, err = base64.StdEncoding.DecodeString(shot.Data); err != nil {
		return nil, err
	}
	// Drain what arrived meanwhile (late console messages, requests).
	deadline := time.After(300 * time.Millisecond)
	for drained := false; !drained; {
		select {
		case m := <-b.events:
			collect(m)
		case <-deadline:
			drained = true
		}
	}
	return v, nil
}

// checkPage opens a report in Chromium and checks what every report must
// satisfy: no console errors, no network requests (neither seen by the page
// nor by the proxy), every section present and visible, every chart drawn.
// It saves a screenshot in a temporary folder and returns the visit.
func checkPage(t *testing.T, path string, sections []string) *pageVisit {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	proxy := &proxyLog{}
	srv := httptest.NewServer(proxy)
	defer srv.Close()
	b := startBrowser(t, srv.URL)
	v, err := b.visit(ctx, path)
	if err != nil {
		t.Fatalf("chromium: %v\nstderr:\n%s", err, b.stderr.String())
	}
	shot := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(path), ".html")+".png")
	if err := os.WriteFile(shot, v.PNG, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(v.PNG))
	if keep := os.Getenv("RISKON_KEEP_SCREENSHOTS"); keep != "" { // a folder to look at them after the test
		_ = os.WriteFile(filepath.Join(keep, filepath.Base(shot)), v.PNG, 0o644)
	}
	if !v.Canary {
		t.Error("the canary console.error was not captured: console checking does not work")
	}
	for _, c := range v.Console {
		t.Errorf("console: %s", c)
	}
	abs, _ := filepath.Abs(path)
	sawDoc := false
	for _, u := range v.Requests {
		switch {
		case u == "file://"+abs:
			sawDoc = true
		case strings.HasPrefix(u, "data:"):
		default:
			t.Errorf("the page requested %s", u)
		}
	}
	if !sawDoc {
		t.Errorf("the document's own request was not observed (requests: %v): network capture does not work", v.Requests)
	}
	// Every request of the page itself is in v.Requests (checked above, strictly).
	// The proxy also sees Chromium's own services, which some builds call at
	// start-up whatever the flags (sign-in, component updates): those are the
	// browser's, not the report's, and are only logged. Anything else fails.
	for _, host := range proxy.requests() {
		if chromiumService(host) {
			t.Logf("proxy: Chromium's own service %s (not the report's)", host)
			continue
		}
		t.Errorf("a request reached the network proxy: %s", host)
	}
	got := map[string]bool{}
	for _, s := range v.Layout.Sections {
		got[s.ID] = true
		if !s.Visible || s.Height < 20 {
			t.Errorf("section %s is not visible (height %.0f)", s.ID, s.Height)
		}
	}
	for _, want := range sections {
		if !got[want] {
			t.Errorf("section %s missing (have %v)", want, v.Layout.Sections)
		}
	}
	for _, c := range v.Layout.Charts {
		if c.Width < 300 || c.Height < 100 || c.Paths < 10 {
			t.Errorf("chart in %s is empty or tiny: %.0fx%.0f px, %d paths", c.Section, c.Width, c.Height, c.Paths)
		}
		if len(c.Clipped) > 0 {
			t.Errorf("chart in %s clips its texts: %q", c.Section, c.Clipped)
		}
	}
	return v
}

// chromiumService reports whether host is one of the Google endpoints
// Chromium itself calls (sign-in, updates, time), never a report's.
func chromiumService(host string) bool {
	h := strings.ToLower(host)
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	for _, suffix := range []string{".google.com", ".googleapis.com", ".gvt1.com"} {
		if strings.HasSuffix(h, suffix) {
			return true
		}
	}
	return false
}
