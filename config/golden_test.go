package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden .txt files under testdata/ from the current output")

// TestGoldenErrors loads each broken config under testdata/errors and
// compares every problem reported with the .txt file next to it.
func TestGoldenErrors(t *testing.T) {
	t.Setenv(EnvDatabase, "")
	files, err := filepath.Glob(filepath.Join("testdata", "errors", "*.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden inputs under testdata/errors")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".toml")
		t.Run(name, func(t *testing.T) {
			c, err := Load(file)
			if err == nil {
				t.Fatalf("Load(%s) = %+v, want errors", file, c)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Load(%s) error is %T (%v), want Errors", file, err, err)
			}
			for _, e := range errs {
				if e.Line <= 0 {
					t.Errorf("problem without a line: %v", e)
				}
				if e.File != file {
					t.Errorf("problem names file %q, want %q", e.File, file)
				}
			}
			got := filepath.ToSlash(err.Error()) + "\n"
			golden := strings.TrimSuffix(file, ".toml") + ".txt"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./config -run TestGoldenErrors -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s (run with -update if the change is right)\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}
