package fetch

import (
	"runtime/debug"
	"sync"
)

// Version is the tidings version a release build sets with
// -ldflags "-X tidings/fetch.Version=v1.2.3". Left empty, BuildVersion
// derives the version from the build information instead.
var Version string

// BuildVersion returns the tidings version sent in the User-Agent: Version
// when the build set it; else the main module's version (a binary built by
// go install mod@version); else the VCS revision the binary was built from,
// shortened to 12 digits, with "-dirty" when the tree had changes; else
// "dev". The build information is read once.
func BuildVersion() string {
	if Version != "" {
		return Version
	}
	return buildInfoVersion()
}

var buildInfoVersion = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return versionOf(info)
})

// versionOf picks the version out of the build information.
func versionOf(info *debug.BuildInfo) string {
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}
