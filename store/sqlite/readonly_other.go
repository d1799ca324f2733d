//go:build !linux

package sqlite

// readOnlyFS reports whether dir is on a file system mounted read-only;
// only Linux is asked, elsewhere a read-only open that fails stays failed.
func readOnlyFS(dir string) bool { return false }
