package validate

import (
	"errors"
	"fmt"

	"github.com/riskon/riskon/data"
)

// Fold is one walk-forward split: a training window followed by a test
// window (dates inclusive, UTC calendar days).
type Fold struct {
	Index      int
	TrainStart data.Date
	TrainEnd   data.Date
	TestStart  data.Date
	TestEnd    data.Date
}

// MaxFolds bounds the number of folds of a validation.
const MaxFolds = 1000

// MinWindowDays is the shortest training or test window: fewer days give
// no usable Sharpe ratio.
const MinWindowDays = 20

// WalkForward lays walk-forward folds over the days first..last: fold k
// trains on [first + k·step, + train) (anchored: from first) and tests on
// the test span that follows. step defaults to test. Only whole test
// windows are used: the days after the last one are left out.
func WalkForward(first, last data.Date, train, test, step Span, anchored bool) ([]Fold, error) {
	if train.IsZero() || test.IsZero() {
		return nil, errors.New("walk-forward needs --train and --test, e.g. --train 5y --test 1y")
	}
	if step.IsZero() {
		step = test
	}
	if d := int(train.After(first) - first); d < MinWindowDays {
		return nil, fmt.Errorf("--train %s is %d days: want at least %d", train, d, MinWindowDays)
	}
	if d := int(test.After(first) - first); d < MinWindowDays {
		return nil, fmt.Errorf("--test %s is %d days: want at least %d", test, d, MinWindowDays)
	}
	stepDays := int(step.After(first) - first)
	if stepDays < 1 {
		return nil, fmt.Errorf("--step %s: want at least 1 day", step)
	}
	if n := int(last-first) / stepDays; n > MaxFolds {
		return nil, fmt.Errorf("--step %s gives about %d folds over %s..%s: at most %d; use a longer step", step, n, first, last, MaxFolds)
	}
	var folds []Fold
	for k := 0; ; k++ {
		ks := Span{N: step.N * k, Unit: step.Unit}
		start := first
		if k > 0 {
			start = ks.After(first)
		}
		trainStart, trainEnd := start, train.After(start)-1
		if anchored {
			trainStart = first
		}
		testStart := trainEnd + 1
		testEnd := test.After(testStart) - 1
		if testEnd > last {
			break
		}
		folds = append(folds, Fold{Index: k, TrainStart: trainStart, TrainEnd: trainEnd, TestStart: testStart, TestEnd: testEnd})
	}
	if len(folds) == 0 {
		return nil, fmt.Errorf("the data (%s..%s, %d days) hold no fold of --train %s and --test %s: shorten them", first, last, int(last-first)+1, train, test)
	}
	return folds, nil
}
