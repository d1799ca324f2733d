package config

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func TestParseDuration(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "0", want: 0},
		{in: "-0", want: 0},
		{in: "30s", want: 30 * time.Second},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "1.5h", want: 90 * time.Minute},
		{in: "250ms", want: 250 * time.Millisecond},
		{in: "10us", want: 10 * time.Microsecond},
		{in: "10µs", want: 10 * time.Microsecond},
		{in: "90d", want: 90 * day},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "2w", want: 14 * day},
		{in: "1w2d3h4m5s", want: 9*day + 3*time.Hour + 4*time.Minute + 5*time.Second},
		{in: "1.5d", want: 36 * time.Hour},
		{in: "0.5w", want: 84 * time.Hour},
		{in: "12h1d", want: 36 * time.Hour},
		{in: "-1d", want: -day},
		{in: "+2d", want: 2 * day},
		{in: " 3d ", want: 3 * day},
		{in: "106751d", want: 106751 * day},
		{in: "", wantErr: true},
		{in: "d", wantErr: true},
		{in: "10", wantErr: true},
		{in: "1y", wantErr: true},
		{in: "1 d", wantErr: true},
		{in: "1.2.3d", wantErr: true},
		{in: "1dd", wantErr: true},
		{in: "never", wantErr: true},
		{in: "-", wantErr: true},
		{in: "106752d", wantErr: true},
		{in: "999999999999999999999w", wantErr: true},
		{in: "100000d2562047h", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseDuration(%q) = %v, want an error", tt.in, got)
			} else if !strings.Contains(err.Error(), "90d") && !strings.Contains(err.Error(), "too long") {
				t.Errorf("ParseDuration(%q) error %q does not say what is accepted", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{in: "0", want: 0},
		{in: "1048576", want: 1 << 20},
		{in: "16MiB", want: 16 << 20},
		{in: "512KiB", want: 512 << 10},
		{in: "1GiB", want: 1 << 30},
		{in: "2TiB", want: 2 << 40},
		{in: "1GB", want: 1e9},
		{in: "1KB", want: 1000},
		{in: "3MB", want: 3e6},
		{in: "100B", want: 100},
		{in: "16mib", want: 16 << 20},
		{in: "16 MiB", want: 16 << 20},
		{in: " 1.5KiB ", want: 1536},
		{in: "0.5B", want: 0},
		{in: "8388608TiB", want: 0, wantErr: true},
		{in: "", wantErr: true},
		{in: "MiB", wantErr: true},
		{in: "-1", wantErr: true},
		{in: "16M", wantErr: true},
		{in: "16 parsecs", wantErr: true},
		{in: "1.2.3MiB", wantErr: true},
		{in: "99999999999999999999", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseSize(%q) = %d, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	if n, err := ParseSize("8388607TiB"); err != nil || n != 8388607<<40 {
		t.Errorf("ParseSize(largest TiB) = %d, %v", n, err)
	}
	if _, err := ParseSize("9223372036854775808"); err == nil {
		t.Errorf("ParseSize(MaxInt64+1): no error")
	}
	if n, err := ParseSize("9223372036854775807"); err != nil || n != math.MaxInt64 {
		t.Errorf("ParseSize(MaxInt64) = %d, %v", n, err)
	}
}

func TestValidateSchedule(t *testing.T) {
	tests := []struct {
		spec    string
		wantErr string // "" for valid; else a part of the message
	}{
		{spec: "*/15 * * * *"},
		{spec: "0 */2 * * *"},
		{spec: "0 7 * * mon-fri"},
		{spec: "0 0 1 jan,jul *"},
		{spec: "0 0 29 2 *"},
		{spec: "@hourly"},
		{spec: "@daily"},
		{spec: "@midnight"},
		{spec: "@weekly"},
		{spec: "@monthly"},
		{spec: "@yearly"},
		{spec: "@annually"},
		{spec: "@every 1s"},
		{spec: "@every 10s"},
		{spec: "@every 1h30m"},
		{spec: "CRON_TZ=Europe/Paris 0 7 * * *"},
		{spec: "TZ=UTC @daily"},
		{spec: "*/61 * * * *", wantErr: "step 61 of the minute field is above its maximum (59)"},
		{spec: "0 */24 * * *", wantErr: "step 24 of the hour field"},
		{spec: "0 0 1 1/13 *", wantErr: "step 13 of the month field"},
		{spec: "*/59 */23 */31 */12 */6"},
		{spec: "", wantErr: "empty schedule"},
		{spec: "   ", wantErr: "empty schedule"},
		{spec: "61 * * * *", wantErr: "end of range (61) above maximum (59)"},
		{spec: "* * * *", wantErr: "expected exactly 5 fields, found 4"},
		{spec: "0 * * * * *", wantErr: "expected exactly 5 fields, found 6"},
		{spec: "x * * * *", wantErr: `"x" is not a number`},
		{spec: "5-1 * * * *", wantErr: "beyond end of range"},
		{spec: "*/0 * * * *", wantErr: "positive"},
		{spec: "0 0 30 2 *", wantErr: "never fires"},
		{spec: "0 0 31 4,6,9,11 *", wantErr: "never fires"},
		{spec: "@hurly", wantErr: "unrecognized descriptor"},
		{spec: "@every", wantErr: "unrecognized descriptor"},
		{spec: "@every 1d"},
		{spec: "@every 90d"},
		{spec: "CRON_TZ=Europe/Paris @every 2w"},
		{spec: "@every 1x", wantErr: "@every takes a duration"},
		{spec: "@every 500ms", wantErr: "at least 1s"},
		{spec: "@every -5m", wantErr: "at least 1s"},
		{spec: "CRON_TZ=Mars/Olympus 0 7 * * *", wantErr: "bad location"},
		{spec: "CRON_TZ=UTC", wantErr: "needs a schedule after it"},
		{spec: "TZ=", wantErr: "needs a schedule after it"},
	}
	for _, tt := range tests {
		err := ValidateSchedule(tt.spec)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ValidateSchedule(%q) = %v, want nil", tt.spec, err)
		case tt.wantErr != "" && err == nil:
			t.Errorf("ValidateSchedule(%q) = nil, want an error about %q", tt.spec, tt.wantErr)
		case err != nil:
			msg := err.Error()
			if !strings.Contains(msg, tt.wantErr) || !strings.HasPrefix(msg, `"`+tt.spec) || !strings.HasSuffix(msg, scheduleHelp) {
				t.Errorf("ValidateSchedule(%q) = %q, want the quoted spec, %q and the help", tt.spec, msg, tt.wantErr)
			}
		}
	}
}

func TestValidTag(t *testing.T) {
	tests := []struct {
		tag  string
		want bool
	}{
		{"go", true},
		{"Go-1.26", true},
		{"news/world", true},
		{"a_b", true},
		{"café", true},
		{"日本", true},
		{"x", true},
		{strings.Repeat("x", 64), true},
		{strings.Repeat("é", 64), true},
		{"", false},
		{strings.Repeat("x", 65), false},
		{"two words", false},
		{"tab\tbed", false},
		{"semi;colon", false},
		{"comma,separated", false},
		{"#hash", false},
		{"quote\"", false},
		{"\xff", false},
	}
	for _, tt := range tests {
		if got := ValidTag(tt.tag); got != tt.want {
			t.Errorf("ValidTag(%q) = %v, want %v", tt.tag, got, tt.want)
		}
	}
}

func TestNormalizeSchedule(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"@every 30m", "@every 30m"},
		{"@every 1h30m", "@every 1h30m"},
		{"@every 90d", "@every 2160h0m0s"},
		{"@every 1d12h", "@every 36h0m0s"},
		{"CRON_TZ=Europe/Paris @every 2w", "CRON_TZ=Europe/Paris @every 336h0m0s"},
		{"*/15 * * * *", "*/15 * * * *"},
		{"@daily", "@daily"},
	}
	for _, tt := range tests {
		got, err := NormalizeSchedule(tt.spec)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeSchedule(%q) = %q, %v; want %q", tt.spec, got, err, tt.want)
			continue
		}
		if _, err := cron.ParseStandard(got); err != nil {
			t.Errorf("cron rejects %q (from %q): %v", got, tt.spec, err)
		}
	}
}
