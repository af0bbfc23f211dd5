package policy

import (
	"math"
)

// Evidence.
//
// slo_budget_remaining is measured over the part of the period the SLO has data for: its error ratio there,
// against the error budget. Over a whole period that is the SRE Workbook's error budget policy ("the service
// has exceeded its error budget for the preceding four-week window"); over the first minutes of a fresh install
// it is an extrapolation of those minutes to the whole period. Twenty minutes into a 28-day period (0.05 % of
// it), a four-minute burst of errors that spent a tenth of the real budget measures −20 000 %: a freeze on that
// would stop a team's releases for days over one blip that the Workbook's alerts would not even ticket.
//
// So the policy judges a young SLO on evidence: the errors it has seen count against the budget of the larger of
// the stretch it has seen and MinCoverage of the period (and of the events it has seen and MinEvents), as if the
// part not seen yet went well. Once the SLO has seen MinCoverage of its period (and MinEvents events) the
// judged budget is the measured one. The weight of the spend is
//
//	evidence = min(1, coverage / MinCoverage, events / MinEvents)
//	judged   = 1 − (1 − measured) × evidence
//
// which is continuous as coverage grows (no jump when it crosses MinCoverage) and never judges a budget better
// than the errors already seen allow: the bad events counted so far are real, only the extrapolation is not.
//
// Why a quarter of the period by default: the Workbook's slowest alert (a ticket) fires on 10 % of the budget in
// 3 days, and its example policy freezes on a spent four-week budget. With evidence = coverage / 0.25, a freeze
// needs errors worth a quarter of the whole period's budget: two and a half ticket-sized incidents, or one
// outage that pages for hours, still freezes a young SLO; a blip does not. From a week of a 28-day period on,
// one ticket-sized incident (10 %) measures at most 40 % spent, and the budget is taken as measured. MinEvents is
// off by default: a low-traffic SLO whose budget is a handful of requests is a problem of its objective (the
// Workbook's low-traffic advice), not of evidence; set it where one failed request should not freeze.

// Judge is the budget the policy goes by for b under p, and the weight it gave the measured spend (1: taken as
// measured; less: b has not seen MinCoverage of its period or MinEvents events yet). A budget that is not known,
// or whose coverage is not known, is taken as measured.
func (p Policy) Judge(b Budget) (remaining, evidence float64) {
	if math.IsNaN(b.Remaining) {
		return b.Remaining, 1
	}
	evidence = 1
	if p.MinCoverage > 0 && b.Coverage > 0 && b.Coverage < p.MinCoverage {
		evidence = b.Coverage / p.MinCoverage
	}
	if p.MinEvents > 0 && !math.IsNaN(b.Events) && b.Events < p.MinEvents {
		evidence = min(evidence, b.Events/p.MinEvents)
	}
	if evidence >= 1 || b.Remaining >= 1 {
		return b.Remaining, 1
	}
	return 1 - (1-b.Remaining)*evidence, evidence
}
