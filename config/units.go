package config

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
)

const durationHelp = "use a number and a unit (ns, us, ms, s, m, h, d for days, w for weeks), e.g. 30s, 1h30m, 90d, 2w"

// ParseDuration parses a duration as time.ParseDuration does, plus the units
// d (24 hours) and w (7 days), which may be mixed with the others and may have
// a fraction: "90d", "1d12h", "2w", "1.5d". A leading sign is allowed; "0"
// needs no unit. Surrounding spaces are ignored. The error quotes s and says
// what is accepted.
func ParseDuration(s string) (time.Duration, error) {
	bad := func() (time.Duration, error) {
		return 0, fmt.Errorf("%q: not a duration; %s", s, durationHelp)
	}
	rest := strings.TrimSpace(s)
	neg := false
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	if rest == "0" {
		return 0, nil
	}
	if rest == "" {
		return bad()
	}
	// Days and weeks are summed exactly here; every other segment is left
	// to time.ParseDuration, which already sums repeated units ("1h30m").
	var days big.Rat
	var std strings.Builder
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] == '.' || rest[i] >= '0' && rest[i] <= '9') {
			i++
		}
		j := i
		for j < len(rest) && rest[j] != '.' && (rest[j] < '0' || rest[j] > '9') {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		if num == "" || unit == "" {
			return bad()
		}
		switch unit {
		case "d", "w":
			n, ok := new(big.Rat).SetString(num)
			if !ok {
				return bad()
			}
			if unit == "w" {
				n.Mul(n, big.NewRat(7, 1))
			}
			days.Add(&days, n)
		default:
			std.WriteString(num + unit)
		}
	}
	var total time.Duration
	if std.Len() > 0 {
		d, err := time.ParseDuration(std.String())
		if err != nil {
			return bad()
		}
		total = d
	}
	if days.Sign() != 0 {
		ns := new(big.Rat).Mul(&days, big.NewRat(int64(24*time.Hour), 1))
		whole := new(big.Int).Quo(ns.Num(), ns.Denom())
		if !whole.IsInt64() || whole.Int64() > math.MaxInt64-int64(total) {
			return 0, fmt.Errorf("%q: duration too long; the longest is about 106751d", s)
		}
		total += time.Duration(whole.Int64())
	}
	if neg {
		total = -total
	}
	return total, nil
}

// sizeUnits are the units ParseSize accepts, in lower case.
var sizeUnits = map[string]int64{
	"":    1,
	"b":   1,
	"kb":  1000,
	"mb":  1000 * 1000,
	"gb":  1000 * 1000 * 1000,
	"tb":  1000 * 1000 * 1000 * 1000,
	"kib": 1 << 10,
	"mib": 1 << 20,
	"gib": 1 << 30,
	"tib": 1 << 40,
}

// ParseSize parses a number of bytes: a plain integer ("1048576") or a number
// with a unit, binary (KiB, MiB, GiB, TiB) or decimal (B, KB, MB, GB, TB), in
// any letter case, with an optional space before the unit ("16MiB", "512 KiB",
// "1.5GB"). Fractions of a byte are dropped. Negative sizes are errors. The
// error quotes s and says what is accepted.
func ParseSize(s string) (int64, error) {
	bad := func() (int64, error) {
		return 0, fmt.Errorf("%q: not a size; use bytes or a number and a unit (KiB, MiB, GiB, or KB, MB, GB), e.g. 16MiB, 512KiB, 1GB", s)
	}
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] == '.' || t[i] >= '0' && t[i] <= '9') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := sizeUnits[unit]
	if num == "" || !ok {
		return bad()
	}
	n, ok := new(big.Rat).SetString(num)
	if !ok {
		return bad()
	}
	n.Mul(n, big.NewRat(mult, 1))
	whole := new(big.Int).Quo(n.Num(), n.Denom())
	if !whole.IsInt64() {
		return 0, fmt.Errorf("%q: size too large", s)
	}
	return whole.Int64(), nil
}
