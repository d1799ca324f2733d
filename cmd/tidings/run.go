package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"reflect"
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/robfig/cron/v3"

	"tidings/config"
	"tidings/fetch"
	"tidings/reader"
	"tidings/store"
)

const runHelp = `Runs the daemon: fetches every feed when it is due, keeps the database tidy,
and serves the web page (log in with the password of 'tidings user
passwd'), GET /healthz, Prometheus GET /metrics and Miniflux's v1 API (/v1/,
for newsboat and the apps that sync with Miniflux, signed in with an app
password from 'tidings token') on the config's listen address (default
127.0.0.1:7070). On an address other than loopback it refuses to start
while a user has no password; see 'tidings help serve' for logging in.

Each feed follows its schedule (or the config's default): a cron expression
such as "*/15 * * * *", a descriptor such as @hourly, "@every 20m", with an
optional CRON_TZ=Zone prefix. Servers are obeyed: Retry-After always, and
Cache-Control, Expires and the feed's ttl up to fetch.max_server_delay.
Failing feeds back off from a minute up to a day. Due times are kept in the
database, so a restart fetches each overdue feed once.

Housekeeping runs in the same process: an hourly prune per
retention.read_after and a daily database optimise.

SIGHUP reloads the config file: [[feed]] blocks added, changed or removed
and the default schedule take effect at once; a broken file is reported and
the running config kept. SIGINT or SIGTERM stops claiming feeds, lets the
fetches in flight finish within shutdown_grace, and exits 0.`

func setupRun(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) > 0 {
			return usagef("run takes no arguments")
		}
		// main stops on SIGINT and SIGTERM through ctx; SIGHUP is ours.
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		defer fetchGC()()
		return c.run(ctx, hup)
	}
}

// daemon is one `tidings run`: the parts that live as long as the process.
type daemon struct {
	c     *cli
	store store.Store
	rd    *reader.Reader
	log   *slog.Logger
	// cfg is the config in force; SIGHUP replaces it.
	cfg   atomic.Pointer[config.Config]
	sched *fetch.Scheduler
	// jobs counts the housekeeping jobs running.
	jobs atomic.Int32
	// damaged is the error of the last failed quick_check, nil if none.
	damaged atomic.Pointer[error]
}

// run is `tidings run` with the reload signal given, so tests can send it.
func (c *cli) run(ctx context.Context, hup <-chan os.Signal) error {
	e, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer e.Close()
	d := &daemon{c: c, store: e.store, rd: e.rd, log: e.log}
	d.cfg.Store(e.cfg)
	cfg := e.cfg

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := fetch.NewMetrics(reg, e.store)
	if err != nil {
		return err
	}
	fetcher := newFetcher(cfg, e.log, nil, nil)
	d.sched = fetch.NewScheduler(fetch.SchedulerOptions{
		Store:           e.store,
		Fetcher:         fetcher,
		Grace:           cfg.ShutdownGrace,
		DefaultSchedule: cfg.Schedule,
		Logger:          e.log,
		Metrics:         metrics,
	})

	// Build the web server and listen before anything starts, so users
	// without a password on a public address, or a busy port, fail the
	// start.
	srv, err := newWebServer(ctx, e, cfg.Listen, fetcher, d.health, reg)
	if err != nil {
		return err
	}
	ln, err := listen(cfg.Listen)
	if err != nil {
		return err
	}
	httpErr := make(chan error, 1)
	go func() { httpErr <- srv.Serve(ln) }()

	housekeeping := d.housekeeping(ctx)
	housekeeping.Start()

	d.announce(ctx, ln.Addr().String())

	// The scheduler stops when told, not with ctx: the shutdown says what
	// it does first, then stops it.
	schedCtx, stopSched := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSched()
	schedErr := make(chan error, 1)
	go func() { schedErr <- d.sched.Run(schedCtx) }()

	var runErr error
wait:
	for {
		select {
		case <-ctx.Done():
			d.log.Info("stopping: no new fetches; finishing the ones in flight",
				slog.Duration("grace", d.cfg.Load().ShutdownGrace))
			break wait
		case <-hup:
			d.reload(ctx)
		case err := <-schedErr:
			runErr = err
			schedErr = nil
			break wait
		case err := <-httpErr:
			runErr = fmt.Errorf("web server on %s: %w", cfg.Listen, err)
			break wait
		}
	}

	if err := d.windDown(stopSched, schedErr, housekeeping, d.cfg.Load().ShutdownGrace); err != nil && runErr == nil {
		runErr = err
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		d.log.Warn("web server shutdown", slog.String("error", err.Error()))
	}
	if runErr != nil {
		return runErr
	}
	d.log.Info("stopped")
	return nil
}

// windDown stops the daemon's work in order, within one grace period: no
// new claims, the fetches in flight (the scheduler waits for them up to
// the grace), then the housekeeping job running, if one is, for what is
// left of the grace. schedErr is nil when the scheduler has stopped
// already. It returns the scheduler's error.
func (d *daemon) windDown(stopSched context.CancelFunc, schedErr <-chan error, housekeeping *cron.Cron, grace time.Duration) error {
	deadline := time.Now().Add(grace)
	stopSched()
	jobsDone := housekeeping.Stop().Done()
	var err error
	if schedErr != nil {
		err = <-schedErr
	}
	select {
	case <-jobsDone:
		return err
	default:
	}
	if d.jobs.Load() == 0 {
		// No job runs: cron's wait ends at once, nothing to say.
		return err
	}
	left := max(time.Until(deadline), 0)
	d.log.Info("stopping: waiting for the housekeeping job running", slog.Duration("left", left))
	t := time.NewTimer(left)
	defer t.Stop()
	select {
	case <-jobsDone:
	case <-t.C:
		// The job may have ended just as the time ran out.
		select {
		case <-jobsDone:
		default:
			d.log.Warn("stopping without waiting for housekeeping any longer")
		}
	}
	return err
}

// announce says what the daemon does and where its data is.
func (d *daemon) announce(ctx context.Context, addr string) {
	cfg := d.cfg.Load()
	file := cfg.File
	if file == "" {
		file = "none (defaults; create one with `tidings init`)"
	}
	// NextDue is a cheap way to know whether there is anything to fetch:
	// listing 100,000 feeds just to count them would cost memory at start.
	next, err := d.store.NextDue(ctx)
	d.log.Info("tidings running: fetching feeds when due",
		slog.String("database", cfg.Database),
		slog.String("config", file),
		slog.Int("declared_feeds", len(cfg.Feeds)),
		slog.String("default_schedule", cfg.Schedule),
		slog.String("web", "http://"+addr+"/"),
		slog.String("health", "http://"+addr+"/healthz"),
		slog.String("metrics", "http://"+addr+"/metrics"))
	if err == nil && next.IsZero() {
		d.log.Info("no feeds yet: run `tidings add URL`, or add [[feed]] blocks to the config and send SIGHUP")
	}
}

// damageReporter is a store that tells whether it found its database
// damaged (store.ErrCorrupt), by any statement: both backends are.
type damageReporter interface {
	Damaged() error
}

// health is the /healthz check: the database answers, and how the last
// round went.
func (d *daemon) health(ctx context.Context) (map[string]any, error) {
	st := d.sched.Status()
	fields := map[string]any{
		"scheduler_running": st.Running,
		"in_flight":         st.InFlight,
	}
	if !st.LastClaim.IsZero() {
		fields["last_claim"] = st.LastClaim.UTC().Format(time.RFC3339)
	}
	if r := st.LastRound; !r.Finished.IsZero() {
		fields["last_round"] = map[string]any{
			"finished":     r.Finished.UTC().Format(time.RFC3339),
			"feeds":        r.Feeds,
			"new_items":    r.New,
			"not_modified": r.NotModified,
			"unchanged":    r.Unchanged,
			"errors":       r.Errors,
		}
	}
	// The damage first: a damaged table may fail the query below too.
	if dr, ok := d.store.(damageReporter); ok {
		if err := dr.Damaged(); err != nil {
			fields["database"] = "damaged"
			return fields, err
		}
	}
	if err := d.damaged.Load(); err != nil {
		fields["database"] = "damaged"
		return fields, *err
	}
	if _, err := d.store.NextDue(ctx); err != nil {
		fields["database"] = "unreachable"
		return fields, fmt.Errorf("database: %w", err)
	}
	fields["database"] = "ok"
	if st.DiskFullErr != nil {
		// Until a save succeeds after the pause, so not between two
		// pauses either.
		fields["fetching_paused"] = st.Paused
		fields["fetching_paused_until"] = st.PausedUntil.UTC().Format(time.RFC3339)
		return fields, fmt.Errorf("fetching paused: %w", st.DiskFullErr)
	}
	if st.LastClaimErr != nil {
		return fields, fmt.Errorf("last claim of due feeds failed: %w", st.LastClaimErr)
	}
	return fields, nil
}

// reload applies the config file again after SIGHUP. A broken file changes
// nothing: every problem is logged and the running config stays.
func (d *daemon) reload(ctx context.Context) {
	old := d.cfg.Load()
	d.log.Info("SIGHUP: reloading the config", slog.String("config", old.File))
	cfg, err := config.Load(d.c.configPath)
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				d.log.Error("config problem", slog.String("problem", e.Error()))
			}
		} else {
			d.log.Error("config problem", slog.String("problem", err.Error()))
		}
		d.log.Error("config not reloaded: keeping the running one; fix the file and send SIGHUP again")
		return
	}
	if err := syncDeclared(ctx, d.store, cfg, d.log); err != nil {
		d.log.Error("config not reloaded: keeping the running one", slog.String("error", err.Error()))
		return
	}
	// What can change live does; the rest waits for a restart, and says so.
	d.sched.SetDefaultSchedule(cfg.Schedule)
	// A feed planned under its old schedule would wait for that plan (a
	// day, for @daily): fetch the feeds whose schedule changed now, so the
	// new one takes over at once.
	d.sched.FetchNow(d.rescheduled(ctx, old, cfg))
	live := *old
	live.File, live.Schedule, live.Retention, live.Feeds, live.LogLevel = cfg.File, cfg.Schedule, cfg.Retention, cfg.Feeds, cfg.LogLevel
	for _, k := range restartKeys(old, cfg) {
		d.log.Warn("setting changed; restart tidings run to apply it", slog.String("key", k))
	}
	d.cfg.Store(&live)
	d.log.Info("config reloaded", slog.Int("declared_feeds", len(cfg.Feeds)), slog.String("default_schedule", cfg.Schedule))
}

// rescheduled returns the URLs of the feeds whose schedule differs between
// the configs a and b: declared feeds whose own or default schedule
// changed, and, when the default changed, every feed without a schedule of
// its own.
func (d *daemon) rescheduled(ctx context.Context, a, b *config.Config) []string {
	before := make(map[string]string, len(a.Feeds))
	for _, f := range a.Feeds {
		before[f.URL] = a.FeedSchedule(f)
	}
	seen := map[string]bool{}
	var urls []string
	for _, f := range b.Feeds {
		if old, ok := before[f.URL]; ok && old != b.FeedSchedule(f) {
			urls = append(urls, f.URL)
			seen[f.URL] = true
		}
	}
	if a.Schedule == b.Schedule {
		return urls
	}
	feeds, err := d.store.FeedList(ctx)
	if err != nil {
		d.log.Warn("the new default schedule applies from each feed's next fetch", slog.String("error", err.Error()))
		return urls
	}
	for _, f := range feeds {
		if (len(f.Schedules) == 0 || slices.Contains(f.Schedules, "")) && !seen[f.URL] {
			urls = append(urls, f.URL)
		}
	}
	return urls
}

// restartKeys names the settings that differ between a and b and only take
// effect at start.
func restartKeys(a, b *config.Config) []string {
	var keys []string
	for _, k := range []struct {
		name    string
		changed bool
	}{
		{"database", a.Database != b.Database},
		{"listen", a.Listen != b.Listen},
		{"log_level", a.LogLevel != b.LogLevel},
		{"shutdown_grace", a.ShutdownGrace != b.ShutdownGrace},
		{"fetch", a.Fetch != b.Fetch},
		{"web", !reflect.DeepEqual(a.Web, b.Web)},
	} {
		if k.changed {
			keys = append(keys, k.name)
		}
	}
	return keys
}

// housekeeping returns the cron of maintenance jobs: an hourly prune per
// [retention] (read at each run, so SIGHUP changes it) and a daily
// optimise. A job that panics is logged and the daemon goes on; a job
// still running when its next time comes is skipped.
func (d *daemon) housekeeping(ctx context.Context) *cron.Cron {
	clog := cronLogger{d.log}
	// Recover goes inside SkipIfStillRunning: the other way round, a panic
	// skips SkipIfStillRunning's release of its token, and the job never
	// runs again.
	// count, outermost, lets the shutdown know whether a job runs.
	count := func(j cron.Job) cron.Job {
		return cron.FuncJob(func() {
			d.jobs.Add(1)
			defer d.jobs.Add(-1)
			j.Run()
		})
	}
	cr := cron.New(cron.WithLogger(clog), cron.WithChain(count, cron.SkipIfStillRunning(clog), cron.Recover(clog)))
	// The specs are constants: they always parse.
	_, _ = cr.AddFunc("@hourly", func() { d.prune(ctx) })
	_, _ = cr.AddFunc("@hourly", func() { d.expireSessions(ctx) })
	_, _ = cr.AddFunc("@every 5m", func() { d.refreshIcons(ctx) })
	_, _ = cr.AddFunc("@daily", func() {
		start := time.Now()
		if err := d.store.Optimize(ctx); err != nil {
			d.log.Error("database optimise failed", slog.String("error", err.Error()))
			return
		}
		d.log.Info("database optimised", slog.Duration("took", time.Since(start)))
	})
	if _, ok := d.store.(checker); ok {
		_, _ = cr.AddFunc("@daily", func() { d.check(ctx) })
	}
	return cr
}

// check runs the store's quick_check: a damaged file is logged and turns
// /healthz to 503; the store itself then refuses every write.
func (d *daemon) check(ctx context.Context) {
	start := time.Now()
	err := d.store.(checker).Check(ctx)
	switch {
	case errors.Is(err, store.ErrCorrupt):
		d.damaged.Store(&err)
		d.log.Error("the database is damaged; nothing more is written to it", slog.String("error", err.Error()))
	case err != nil:
		d.log.Error("database check failed", slog.String("error", err.Error()))
	default:
		d.log.Info("database checked: intact", slog.Duration("took", time.Since(start)))
	}
}

// prune deletes read items older than retention.read_after.
func (d *daemon) prune(ctx context.Context) {
	keep := d.cfg.Load().Retention.ReadAfter
	if keep <= 0 {
		return
	}
	n, err := d.store.Prune(ctx, time.Now().Add(-keep), false)
	if err != nil {
		d.log.Error("retention prune failed", slog.String("error", err.Error()))
		return
	}
	if n > 0 {
		d.log.Info("retention prune", slog.Int("deleted_items", n), slog.Duration("read_after", keep))
	}
}

// expireSessions deletes the web sessions that expired.
func (d *daemon) expireSessions(ctx context.Context) {
	n, err := d.store.DeleteExpiredSessions(ctx, time.Now())
	if err != nil {
		d.log.Error("deleting expired sessions failed", slog.String("error", err.Error()))
		return
	}
	if n > 0 {
		d.log.Info("expired sessions deleted", slog.Int("sessions", n))
	}
}

// iconBatch is how many feeds one icon refresh looks at.
const iconBatch = 50

// refreshIcons looks for the icons of the feeds that are due a look (just
// fetched for the first time, or not looked at for a week).
func (d *daemon) refreshIcons(ctx context.Context) {
	looked, found, err := d.rd.RefreshIcons(ctx, iconBatch)
	if err != nil {
		d.log.Error("looking for feed icons failed", slog.String("error", err.Error()))
		return
	}
	if looked > 0 {
		d.log.Debug("feed icons", slog.Int("looked", looked), slog.Int("found", found))
	}
}

// cronLogger adapts cron's logger to slog. Cron's routine messages are
// debug records; its errors (a job's panic among them) are errors.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, keysAndValues ...any) {
	l.log.Debug("cron: "+msg, keysAndValues...)
}

func (l cronLogger) Error(err error, msg string, keysAndValues ...any) {
	l.log.Error("cron: "+msg, append(keysAndValues, "error", err)...)
}
