package sqlite

import "syscall"

// readOnlyFS reports whether dir is on a file system mounted read-only.
func readOnlyFS(dir string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return false
	}
	return st.Flags&stRdonly != 0
}

// stRdonly is ST_RDONLY, the read-only flag of statfs(2)'s f_flags.
const stRdonly = 1
