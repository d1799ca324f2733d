package fetch_test

import (
	"errors"
	"testing"

	"tidings/fetch"
	"tidings/store"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		o    fetch.Outcome
		want string
	}{
		{"200", fetch.Outcome{Status: 200}, fetch.OutcomeOK},
		{"304", fetch.Outcome{Status: 304, NotModified: true}, fetch.OutcomeNotModified},
		{"500", fetch.Outcome{Status: 500, Err: errors.New("server answered 500")}, fetch.OutcomeError},
		{"network", fetch.Outcome{Err: fetch.ErrTimeout}, fetch.OutcomeError},
		{"410", fetch.Outcome{Status: 410, Err: fetch.ErrGone,
			Result: store.FetchResult{State: store.FeedState{Gone: true, WaitReason: store.WaitGone}}}, fetch.OutcomeGone},
		{"429", fetch.Outcome{Status: 429,
			Result: store.FetchResult{State: store.FeedState{WaitReason: store.WaitRetryAfter}}}, fetch.OutcomeRetryAfter},
		{"saved badly", fetch.Outcome{Status: 200, SaveErr: errors.New("disk full")}, fetch.OutcomeError},
		{"canceled", fetch.Outcome{Err: &fetch.Error{Err: fetch.ErrCanceled}}, ""},
	}
	for _, tt := range tests {
		if got := fetch.Classify(tt.o); got != tt.want {
			t.Errorf("%s: Classify = %q, want %q", tt.name, got, tt.want)
		}
	}
}
