package data

// Period is a resampling period of daily bars.
type Period uint8

// Periods.
const (
	PeriodWeek  Period = iota + 1 // ISO weeks, Monday to Sunday
	PeriodMonth                   // calendar months
)

// SessionSchedule says whether a market has a session on a date. A
// data.Calendar knows only weekdays; data/quality.Schedule also knows the
// NYSE holidays, which is what PeriodEnd needs to be holiday-aware.
type SessionSchedule interface {
	IsSession(d Date) bool
}

// PeriodBounds returns the first and last calendar day of d's period.
func PeriodBounds(p Period, d Date) (first, last Date) {
	if p == PeriodWeek {
		first = d - Date((int(d.Weekday())+6)%7) // Monday
		return first, first + 6
	}
	y, m, _ := d.Time().Date()
	first = DateOf(y, m, 1)
	return first, DateOf(y, m+1, 1) - 1
}

// PeriodKey identifies d's period (equal keys: same period).
func PeriodKey(p Period, d Date) int {
	first, _ := PeriodBounds(p, d)
	return int(first)
}

// PeriodEnd is the one calendar truth of riskon's weekly and monthly bars:
// the last scheduled session of d's period under s (holidays included when s
// knows them, so the week of Good Friday ends on Thursday). ok is false when
// the period has no scheduled session. Both the weekly/monthly trigger
// closes (strategy) and the derived RUT_W/RUT_M series (data/derive) use it.
func PeriodEnd(s SessionSchedule, p Period, d Date) (end Date, ok bool) {
	first, last := PeriodBounds(p, d)
	for e := last; e >= first; e-- {
		if s.IsSession(e) {
			return e, true
		}
	}
	return 0, false
}

// IsLastSessionOfPeriod reports whether no session is scheduled after d in
// d's period: a bar dated d then closes the period.
func IsLastSessionOfPeriod(s SessionSchedule, p Period, d Date) bool {
	end, ok := PeriodEnd(s, p, d)
	return !ok || end <= d
}
