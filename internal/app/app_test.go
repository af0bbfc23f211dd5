package app

import (
	"testing"

	"github.com/slokeeper/slokeeper/internal/e2etest"
)

func TestMain(m *testing.M) { e2etest.VerifyNoLeaks(m) }
