//go:build !unix

package atomicfile

// sameDevice is false where devices cannot be compared: files are then written beside their targets.
func sameDevice(_, _ string) bool { return false }
