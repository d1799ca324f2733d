package fetch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tidings/store"
)

// Fetch outcomes, the values of the outcome label of
// tidings_fetches_total.
const (
	OutcomeOK          = "ok"           // 200 with a feed
	OutcomeNotModified = "not_modified" // 304
	OutcomeUnchanged   = "unchanged"    // 200 with the body of the last one parsed
	OutcomeError       = "error"        // any failure, including a failed save
	OutcomeGone        = "gone"         // 410
	OutcomeRetryAfter  = "retry_after"  // 429/503 with Retry-After
)

// OverdueAfter is how long past its NextDue a due feed counts as overdue in
// tidings_feeds_overdue: the scheduler claims due feeds within a second or
// two, so a feed due for longer is waiting for a free worker.
const OverdueAfter = time.Minute

// FeedCounter counts feeds by state (store.Store satisfies it), for the
// gauges of feeds due, overdue, gone and failing.
type FeedCounter interface {
	FeedStats(ctx context.Context, now time.Time, overdueAfter time.Duration) (store.FeedStats, error)
}

// FeedLister is the former name of FeedCounter.
//
// Deprecated: use FeedCounter.
type FeedLister = FeedCounter

// Metrics are the Prometheus metrics of fetching and scheduling. Create them
// with NewMetrics; a nil *Metrics records nothing. Methods are safe for
// concurrent use.
type Metrics struct {
	fetches     *prometheus.CounterVec
	duration    prometheus.Histogram
	items       *prometheus.CounterVec
	lastSuccess prometheus.Gauge
	inFlight    prometheus.Gauge
	rounds      prometheus.Counter
}

// NewMetrics creates the metrics and registers them on reg (never the
// global registry, so tests and several daemons in one process do not
// clash). When feeds is not nil, it also registers gauges of the feeds due,
// overdue, gone and failing, counted by feeds at scrape time (at most once
// every feedsCacheFor, so that frequent scrapers do not load the database).
func NewMetrics(reg prometheus.Registerer, feeds FeedCounter) (*Metrics, error) {
	m := &Metrics{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tidings_fetches_total",
			Help: "Fetches of feeds, by outcome: ok, not_modified (304), unchanged (200 with the body of the last one parsed; with not_modified, the fetches that brought nothing new), error, gone, retry_after.",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tidings_fetch_duration_seconds",
			Help:    "Time one fetch of one feed took, parse included.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tidings_items_stored_total",
			Help: "Items stored by fetches, by kind: new or updated.",
		}, []string{"kind"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tidings_last_success_timestamp_seconds",
			Help: "Unix time of the last fetch that answered 200 or 304 and was saved; 0 if none yet.",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tidings_feeds_in_flight",
			Help: "Feeds claimed by this process and not yet saved.",
		}),
		rounds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tidings_fetch_rounds_total",
			Help: "Fetch rounds finished: batches of due feeds claimed together.",
		}),
	}
	// Every outcome and kind shows from the start, at zero, so rate() works
	// before the first of each happens.
	for _, o := range []string{OutcomeOK, OutcomeNotModified, OutcomeUnchanged, OutcomeError, OutcomeGone, OutcomeRetryAfter} {
		m.fetches.WithLabelValues(o)
	}
	m.items.WithLabelValues("new")
	m.items.WithLabelValues("updated")
	cs := []prometheus.Collector{m.fetches, m.duration, m.items, m.lastSuccess, m.inFlight, m.rounds}
	if feeds != nil {
		cs = append(cs, newFeedsCollector(feeds))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register fetch metrics: %w", err)
		}
	}
	return m, nil
}

// Classify returns the outcome label of a fetch, or "" for a fetch the
// caller's context canceled (it says nothing about the feed).
func Classify(o Outcome) string {
	switch {
	case errors.Is(o.Err, ErrCanceled):
		return ""
	case o.SaveErr != nil:
		return OutcomeError
	case o.Result.State.Gone:
		return OutcomeGone
	case o.Err == nil && o.Result.State.WaitReason == store.WaitRetryAfter:
		return OutcomeRetryAfter
	case o.Err != nil:
		return OutcomeError
	case o.NotModified:
		return OutcomeNotModified
	case o.Unchanged:
		return OutcomeUnchanged
	}
	return OutcomeOK
}

// Observe records one fetch (after its save).
func (m *Metrics) Observe(o Outcome) {
	if m == nil {
		return
	}
	outcome := Classify(o)
	if outcome == "" {
		return
	}
	m.fetches.WithLabelValues(outcome).Inc()
	m.duration.Observe(o.Duration.Seconds())
	if o.SaveErr == nil {
		m.items.WithLabelValues("new").Add(float64(o.Saved.New))
		m.items.WithLabelValues("updated").Add(float64(o.Saved.Updated))
	}
	if outcome == OutcomeOK || outcome == OutcomeNotModified || outcome == OutcomeUnchanged {
		if o.Result.Now.IsZero() {
			m.lastSuccess.SetToCurrentTime()
		} else {
			m.lastSuccess.Set(float64(o.Result.Now.UnixMilli()) / 1000)
		}
	}
}

func (m *Metrics) setInFlight(n int) {
	if m != nil {
		m.inFlight.Set(float64(n))
	}
}

func (m *Metrics) roundDone() {
	if m != nil {
		m.rounds.Inc()
	}
}

// feedsCollector reports gauges counted by the store, cached for
// feedsCacheFor.
type feedsCollector struct {
	feeds FeedCounter
	now   func() time.Time

	due, overdue, total, gone, failing *prometheus.Desc

	mu     sync.Mutex
	at     time.Time
	counts store.FeedStats
	err    error
}

const feedsCacheFor = 10 * time.Second

func newFeedsCollector(feeds FeedCounter) *feedsCollector {
	return &feedsCollector{
		feeds:   feeds,
		now:     time.Now,
		due:     prometheus.NewDesc("tidings_feeds_due", "Feeds due for a fetch now (not gone, NextDue and any Retry-After passed), in flight ones included.", nil, nil),
		overdue: prometheus.NewDesc("tidings_feeds_overdue", "Feeds due for more than a minute: waiting for a free worker.", nil, nil),
		total:   prometheus.NewDesc("tidings_feeds", "Feeds subscribed.", nil, nil),
		gone:    prometheus.NewDesc("tidings_feeds_gone", "Feeds stopped by a 410 Gone.", nil, nil),
		failing: prometheus.NewDesc("tidings_feeds_failing", "Feeds whose last fetch failed.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *feedsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.due, c.overdue, c.total, c.gone, c.failing} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. When the store cannot be read,
// the gauges are left out and the scrape reports the error.
func (c *feedsCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.read()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.due, err)
		return
	}
	for _, v := range []struct {
		d *prometheus.Desc
		n int
	}{{c.due, counts.Due}, {c.overdue, counts.Overdue}, {c.total, counts.Feeds}, {c.gone, counts.Gone}, {c.failing, counts.Failing}} {
		ch <- prometheus.MustNewConstMetric(v.d, prometheus.GaugeValue, float64(v.n))
	}
}

func (c *feedsCollector) read() (store.FeedStats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if !c.at.IsZero() && now.Sub(c.at) < feedsCacheFor && now.After(c.at) {
		return c.counts, c.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.feeds.FeedStats(ctx, now, OverdueAfter)
	c.at, c.counts, c.err = now, counts, err
	if err != nil {
		c.err = fmt.Errorf("count feeds for metrics: %w", err)
		return store.FeedStats{}, c.err
	}
	return counts, nil
}
