//! The pure heart of the writer: origins (what observed something) as values, and how one
//! record's observations, in observation order, give its current state and its history.
//! Nothing here touches the database: the queries are in [`crate::origin`] (origins) and
//! [`crate::store`] (records, their observations and history).
//!
//! See the crate documentation for the invariant this implements.

use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::sync::Arc;
use zonetrail_model::{Origin, RecordsMessage, Timestamp, ZoneId, to_micros};

// Origins: the messages that observed something. Every observation of a record points at one,
// and the zone-wide absences (a reconciled sweep, a deleted zone) are origins too.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum OriginKind {
    /// A records message: its upserts and deletes are observations of single records.
    Records,
    /// A completed sweep: every record of the zone it did not see was absent at its start,
    /// unless something observed the record during the sweep's window.
    Reconcile,
    /// The zone was deleted: every record of it was absent from then on.
    ZoneDeleted,
    /// A `zones_listed` left the zone out: the zone, and every record of it not observed in
    /// the listing's window [start, end], was absent at the listing's start.
    ZoneListed,
}

impl OriginKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Records => "records",
            Self::Reconcile => "reconcile",
            Self::ZoneDeleted => "zone_deleted",
            Self::ZoneListed => "zone_listed",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "records" => Self::Records,
            "reconcile" => Self::Reconcile,
            "zone_deleted" => Self::ZoneDeleted,
            "zone_listed" => Self::ZoneListed,
            _ => return None,
        })
    }
}

/// The history `source` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Event,
    Sweep,
    Reconcile,
}

impl Source {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Event => "event",
            Self::Sweep => "sweep",
            Self::Reconcile => "reconcile",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "event" => Self::Event,
            "sweep" => Self::Sweep,
            "reconcile" => Self::Reconcile,
            _ => return None,
        })
    }
}

/// An origin as stored (`id` is only meaningful inside one database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OriginRow {
    pub id: i64,
    pub key: String,
    pub kind: OriginKind,
    pub source: Source,
    pub observed_at: Timestamp,
    pub window_end: Option<Timestamp>,
    pub sweep_id: Option<String>,
    pub page: Option<i32>,
    pub event_id: Option<String>,
    pub event_name: Option<String>,
    pub actor: Option<String>,
    pub actor_role: Option<String>,
    /// Record observations the message made (0 until the message is applied in full).
    pub observations: i64,
    /// `Some("backfill")` for an event read from CloudTrail's event history; `None` for a
    /// live event and everything else. Not part of the key: whichever path stored the origin
    /// first decides it.
    pub via: Option<String>,
    /// The records message's upserts were Route 53 `UPSERT`s
    /// (`RecordsMessage::before_unknown`): a record first known from one of them starts its
    /// history with an `update` whose state before is unknown, not a `create`.
    pub before_unknown: bool,
    /// The `Comment` of the change batch an event observed (`Origin::Event::comment`); `None`
    /// for everything else. Copied onto the history rows it starts; not part of the key.
    pub comment: Option<String>,
}

impl OriginRow {
    /// True when this origin is a sweep page of `sweep_id`.
    pub(crate) fn is_page_of(&self, sweep_id: &str) -> bool {
        self.kind == OriginKind::Records
            && self.source == Source::Sweep
            && self.sweep_id.as_deref() == Some(sweep_id)
    }
}

/// An origin about to be stored.
#[derive(Debug, Clone)]
pub(crate) struct NewOrigin {
    pub row: OriginRow,
    pub zone_id: ZoneId,
}

impl NewOrigin {
    /// The origin of a records message (`kind = records`) or of a zone deletion. `part`
    /// tells apart the messages the ingest split one page or event into (they share origin
    /// and time); see [`part_digest`]. `before_unknown` is the records message's (false for
    /// a zone deletion). Neither it nor `Origin::Event::backfill` is part of the key: the
    /// same CloudTrail event, live or backfilled, is one origin.
    pub(crate) fn from_message(
        zone_id: &ZoneId,
        observed_at: Timestamp,
        origin: &Origin,
        kind: OriginKind,
        part: &str,
        before_unknown: bool,
    ) -> Self {
        let at = to_micros(observed_at);
        let micros = format!("{}{part}", at.timestamp_micros());
        let prefix = match kind {
            OriginKind::ZoneDeleted => "zone-deleted/",
            _ => "",
        };
        let via = match origin {
            Origin::Event { backfill: true, .. } => Some(VIA_BACKFILL.to_owned()),
            _ => None,
        };
        let comment = match origin {
            Origin::Event { comment, .. } => comment.clone(),
            Origin::Sweep { .. } => None,
        };
        let (key, source, sweep_id, page, event_id, event_name, actor, actor_role) = match origin {
            Origin::Sweep { sweep_id, page } => (
                format!("{zone_id}/{prefix}sweep/{sweep_id}/{page}@{micros}"),
                Source::Sweep,
                Some(sweep_id.clone()),
                Some(*page as i32),
                None,
                None,
                None,
                None,
            ),
            Origin::Event { event_id, event_name, actor, actor_role, .. } => (
                format!("{zone_id}/{prefix}event/{event_id}@{micros}"),
                Source::Event,
                None,
                None,
                Some(event_id.clone()),
                Some(event_name.clone()),
                actor.clone(),
                actor_role.clone(),
            ),
        };
        Self {
            zone_id: zone_id.clone(),
            row: OriginRow {
                id: 0,
                key,
                kind,
                source,
                observed_at: at,
                window_end: None,
                sweep_id,
                page,
                event_id,
                event_name,
                actor,
                actor_role,
                observations: 0,
                via,
                before_unknown,
                comment,
            },
        }
    }

    /// The absence a completed sweep observes: at its start, for records not seen in its window.
    pub(crate) fn reconcile(
        zone_id: &ZoneId,
        sweep_id: &str,
        started_at: Timestamp,
        done_at: Timestamp,
    ) -> Self {
        Self {
            zone_id: zone_id.clone(),
            row: OriginRow {
                id: 0,
                key: format!("{zone_id}/reconcile/{sweep_id}"),
                kind: OriginKind::Reconcile,
                source: Source::Reconcile,
                observed_at: to_micros(started_at),
                window_end: Some(to_micros(done_at)),
                sweep_id: Some(sweep_id.to_owned()),
                page: None,
                event_id: None,
                event_name: None,
                actor: None,
                actor_role: None,
                observations: 0,
                via: None,
                before_unknown: false,
                comment: None,
            },
        }
    }

    /// The absence a `zones_listed` observes for a zone it left out: at the listing's start,
    /// for the zone and its records not observed in its window [start, end].
    pub(crate) fn listed(
        zone_id: &ZoneId,
        account_id: &str,
        sweep_id: &str,
        started_at: Timestamp,
        done_at: Timestamp,
    ) -> Self {
        let mut new = Self::reconcile(zone_id, sweep_id, started_at, done_at);
        new.row.key = format!("{zone_id}/listed/{account_id}/{sweep_id}");
        new.row.kind = OriginKind::ZoneListed;
        new
    }
}

/// `observation_origins.via` (and `record_changes.via`) of an event read by the backfill.
pub(crate) const VIA_BACKFILL: &str = "backfill";

/// A short digest of the keys a records message lists, so that each part of a split page or
/// event is an origin of its own: then an origin that exists was applied in full (with its
/// observations, in one transaction), and a redelivery is recognised without reading records.
pub(crate) fn part_digest(m: &RecordsMessage) -> String {
    let mut keys: Vec<String> = m
        .upserts
        .iter()
        .map(|r| format!("u {} {} {}", r.name, r.rtype, r.set_identifier.as_deref().unwrap_or("")))
        .chain(m.deletes.iter().map(|d| {
            format!("d {} {} {}", d.name, d.rtype, d.set_identifier.as_deref().unwrap_or(""))
        }))
        .collect();
    keys.sort_unstable();
    let mut h = Sha256::new();
    for k in &keys {
        h.update(k.as_bytes());
        h.update(b"\n");
    }
    format!("/{}", &hex::encode(h.finalize())[..16])
}

/// A sweep page's origin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageOrigin {
    pub id: i64,
}

// Observations and runs.

/// How far back a late message can still place itself exactly in a record's history.
///
/// SQS keeps a message at most 14 days from when it was first sent, also after it moves to a
/// dead-letter queue, so no observation older than that can arrive. Interior observations
/// older than the horizon (measured back from the zone's newest absence) are compacted away;
/// run starts, which are the history, are kept forever.
pub(crate) const HORIZON: chrono::Duration = chrono::Duration::days(15);

/// The start of the horizon for a zone with these absences (oldest first).
pub(crate) fn horizon(absences: &[Arc<OriginRow>]) -> Option<Timestamp> {
    absences.iter().map(|a| a.observed_at).max().map(|t| t - HORIZON)
}

/// What an observation saw: the record with some content (by hash), or no record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum State {
    Present(String),
    Deleted,
}

impl State {
    pub(crate) fn hash(&self) -> Option<&str> {
        match self {
            State::Present(h) => Some(h),
            State::Deleted => None,
        }
    }
}

/// One observation of one record.
#[derive(Debug, Clone)]
pub(crate) struct Obs {
    pub at: Timestamp,
    pub state: State,
    pub origin: Arc<OriginRow>,
}

impl Obs {
    /// Observation order: time; at equal times a deletion counts as later than a presence
    /// (so it wins), then the larger content hash; then the origin key, which only picks
    /// whose name an equal observation carries. A total order, the same in every database.
    pub(crate) fn order(&self, other: &Obs) -> Ordering {
        let deleted = |o: &Obs| matches!(o.state, State::Deleted);
        self.at
            .cmp(&other.at)
            .then_with(|| deleted(self).cmp(&deleted(other)))
            .then_with(|| self.state.hash().unwrap_or("").cmp(other.state.hash().unwrap_or("")))
            .then_with(|| self.origin.key.cmp(&other.origin.key))
    }

    pub(crate) fn is_record_observation(&self) -> bool {
        self.origin.kind == OriginKind::Records
    }
}

/// Does a zone-wide absence count for a record with these record observations?
///
/// A zone deletion always does. A reconciled sweep does unless one of its pages saw the
/// record, or anything observed the record inside the sweep's window [start, sweep_done]:
/// applied in order, such a record's `observed_at` is not older than the sweep's start, so
/// docs/design.md's rule leaves it alone.
pub(crate) fn absence_applies(absence: &OriginRow, record_observations: &[Obs]) -> bool {
    match absence.kind {
        OriginKind::Records => false,
        OriginKind::ZoneDeleted => true,
        OriginKind::Reconcile | OriginKind::ZoneListed => {
            let sweep_id = absence.sweep_id.as_deref().unwrap_or_default();
            let end = absence.window_end.unwrap_or(absence.observed_at);
            !record_observations.iter().any(|o| {
                o.is_record_observation()
                    && (o.origin.is_page_of(sweep_id)
                        || (absence.observed_at <= o.at && o.at <= end))
            })
        }
    }
}

/// True when a new record observation at `at` could change whether this absence applies.
pub(crate) fn in_window(absence: &OriginRow, at: Timestamp) -> bool {
    matches!(absence.kind, OriginKind::Reconcile | OriginKind::ZoneListed)
        && absence.observed_at <= at
        && at <= absence.window_end.unwrap_or(absence.observed_at)
}

/// The record's full sequence: its record observations, the zone-wide absences that count for
/// it, and stored absences older than `horizon` (kept as they are: their windows are no longer
/// checked). Sorted in observation order, one entry per origin.
pub(crate) fn assemble(
    record_observations: Vec<Obs>,
    stored_absences: Vec<Obs>,
    zone_absences: &[Arc<OriginRow>],
    horizon: Option<Timestamp>,
) -> Vec<Obs> {
    let recent = |t: Timestamp| horizon.is_none_or(|h| t >= h);
    let mut seq: Vec<Obs> = Vec::with_capacity(record_observations.len() + zone_absences.len());
    for a in zone_absences.iter().filter(|a| recent(a.observed_at)) {
        if absence_applies(a, &record_observations) {
            seq.push(Obs { at: a.observed_at, state: State::Deleted, origin: a.clone() });
        }
    }
    seq.extend(stored_absences.into_iter().filter(|o| !recent(o.at)));
    seq.extend(record_observations);
    seq.sort_by(|a, b| a.order(b));
    seq.dedup_by(|a, b| a.origin.key == b.origin.key);
    seq
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// A history entry: the observation at `seq[index]` started a new run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    pub index: usize,
    pub action: Action,
    pub before: Option<String>,
    pub after: Option<String>,
    /// An `update` whose state before is unknown (`before` is `None`): see [`transition`].
    pub before_unknown: bool,
}

/// A transition: action, content hash before and after, and whether the state before is
/// unknown.
pub(crate) type Transition = (Action, Option<String>, Option<String>, bool);

/// The transition from `before` (None: nothing known yet) to `after` observed by `origin`,
/// if it is a change.
///
/// From nothing at all, a presence observed by a Route 53 `UPSERT` (`before_unknown`
/// origin) is an `update` whose state before is unknown: the call does not say whether the
/// record existed. From a known absence (a delete, a reconciled sweep, a zone deletion) it
/// is a `create` like any other presence.
pub(crate) fn transition(
    before: Option<&State>,
    after: &State,
    origin: &OriginRow,
) -> Option<Transition> {
    match (before, after) {
        (Some(b), a) if b == a => None,
        (None, State::Deleted) => None,
        (None, State::Present(h)) if origin.before_unknown => {
            Some((Action::Update, None, Some(h.clone()), true))
        }
        (None | Some(State::Deleted), State::Present(h)) => {
            Some((Action::Create, None, Some(h.clone()), false))
        }
        (Some(State::Present(b)), State::Present(h)) => {
            Some((Action::Update, Some(b.clone()), Some(h.clone()), false))
        }
        (Some(State::Present(b)), State::Deleted) => {
            Some((Action::Delete, Some(b.clone()), None, false))
        }
        (Some(State::Deleted), State::Deleted) => None,
    }
}

/// Runs and history of a sorted sequence.
#[derive(Debug, Clone, Default)]
pub(crate) struct Evaluation {
    /// Per observation: does it start a run of equal state?
    pub starts_run: Vec<bool>,
    pub changes: Vec<Change>,
    pub summary: Summary,
}

/// What the `record_sets` row shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    /// The newest record observation or run-starting absence (interior absences of a deleted
    /// record are implied by the zone's sweeps and do not move it).
    pub observed_at: Option<Timestamp>,
    /// Start of the current deleted run.
    pub deleted_at: Option<Timestamp>,
    /// The newest content the record had (kept on a tombstone).
    pub hash: Option<String>,
    pub first_seen_at: Option<Timestamp>,
    pub last_seen_at: Option<Timestamp>,
    pub last_sweep_id: Option<String>,
}

pub(crate) fn evaluate(seq: &[Obs]) -> Evaluation {
    let mut eval =
        Evaluation { starts_run: Vec::with_capacity(seq.len()), ..Evaluation::default() };
    let mut current: Option<&State> = None;
    let s = &mut eval.summary;
    for (index, o) in seq.iter().enumerate() {
        let starts = current != Some(&o.state);
        eval.starts_run.push(starts);
        if let Some((action, before, after, before_unknown)) =
            transition(current, &o.state, &o.origin)
        {
            eval.changes.push(Change { index, action, before, after, before_unknown });
        }
        if starts {
            s.deleted_at = match o.state {
                State::Deleted => Some(o.at),
                State::Present(_) => None,
            };
        }
        if starts || o.is_record_observation() {
            s.observed_at = Some(s.observed_at.map_or(o.at, |t| t.max(o.at)));
        }
        if let State::Present(h) = &o.state {
            s.hash = Some(h.clone());
            s.first_seen_at = Some(s.first_seen_at.map_or(o.at, |t| t.min(o.at)));
            s.last_seen_at = Some(s.last_seen_at.map_or(o.at, |t| t.max(o.at)));
        }
        if o.is_record_observation() && o.origin.source == Source::Sweep {
            s.last_sweep_id = o.origin.sweep_id.clone();
        }
        current = Some(&o.state);
    }
    eval
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(s: i64) -> Timestamp {
        Utc.timestamp_opt(1_790_000_000 + s, 0).unwrap()
    }

    fn origin(key: &str, kind: OriginKind, source: Source, t: i64) -> Arc<OriginRow> {
        Arc::new(OriginRow {
            id: 0,
            key: key.into(),
            kind,
            source,
            observed_at: at(t),
            window_end: None,
            sweep_id: None,
            page: None,
            event_id: None,
            event_name: None,
            actor: None,
            actor_role: None,
            observations: 0,
            via: None,
            before_unknown: false,
            comment: None,
        })
    }

    fn event(t: i64, state: State) -> Obs {
        Obs {
            at: at(t),
            state,
            origin: origin(&format!("e{t}"), OriginKind::Records, Source::Event, t),
        }
    }

    fn page(sweep: &str, t: i64, state: State) -> Obs {
        let mut o =
            (*origin(&format!("{sweep}/{t}"), OriginKind::Records, Source::Sweep, t)).clone();
        o.sweep_id = Some(sweep.into());
        Obs { at: at(t), state, origin: Arc::new(o) }
    }

    fn reconcile(sweep: &str, start: i64, end: i64) -> Arc<OriginRow> {
        let mut o =
            (*origin(&format!("r/{sweep}"), OriginKind::Reconcile, Source::Reconcile, start))
                .clone();
        o.sweep_id = Some(sweep.into());
        o.window_end = Some(at(end));
        Arc::new(o)
    }

    fn p(h: &str) -> State {
        State::Present(h.into())
    }

    fn actions(seq: &[Obs]) -> Vec<(i64, Action)> {
        evaluate(seq)
            .changes
            .iter()
            .map(|c| (seq[c.index].at.timestamp() - 1_790_000_000, c.action))
            .collect()
    }

    #[test]
    fn a_late_observation_splits_a_run_where_it_belongs() {
        // In order: A@1, B@2, A@3 → create, update A→B, update B→A.
        let in_order =
            assemble(vec![event(1, p("a")), event(2, p("b")), event(3, p("a"))], vec![], &[], None);
        let late =
            assemble(vec![event(3, p("a")), event(1, p("a")), event(2, p("b"))], vec![], &[], None);
        let want = vec![(1, Action::Create), (2, Action::Update), (3, Action::Update)];
        assert_eq!(actions(&in_order), want);
        assert_eq!(actions(&late), want);
    }

    #[test]
    fn a_delete_beats_an_upsert_in_the_same_microsecond() {
        let seq = assemble(vec![event(5, p("a")), page("s", 5, State::Deleted)], vec![], &[], None);
        let eval = evaluate(&seq);
        assert_eq!(eval.summary.deleted_at, Some(at(5)));
        assert_eq!(actions(&seq), vec![(5, Action::Create), (5, Action::Delete)]);
    }

    #[test]
    fn unchanged_observations_only_move_observed_at() {
        let seq = assemble(vec![page("s1", 1, p("a")), page("s2", 2, p("a"))], vec![], &[], None);
        let eval = evaluate(&seq);
        assert_eq!(eval.changes.len(), 1);
        assert_eq!(eval.starts_run, vec![true, false]);
        assert_eq!(eval.summary.observed_at, Some(at(2)));
        assert_eq!(eval.summary.last_seen_at, Some(at(2)));
        assert_eq!(eval.summary.last_sweep_id.as_deref(), Some("s2"));
    }

    #[test]
    fn a_delete_of_an_unknown_record_is_a_tombstone_without_history() {
        let seq = assemble(vec![event(4, State::Deleted), event(2, p("a"))], vec![], &[], None);
        // The late, older upsert does not resurrect it: create@2 then delete@4.
        let eval = evaluate(&seq);
        assert_eq!(actions(&seq), vec![(2, Action::Create), (4, Action::Delete)]);
        assert_eq!(eval.summary.deleted_at, Some(at(4)));
        let only_delete = assemble(vec![event(4, State::Deleted)], vec![], &[], None);
        assert!(evaluate(&only_delete).changes.is_empty());
    }

    #[test]
    fn reconciliation_counts_only_without_an_observation_in_the_window() {
        let sweep = reconcile("s", 10, 20);
        // Seen before the sweep only: absent from its start.
        let seq = assemble(vec![event(1, p("a"))], vec![], std::slice::from_ref(&sweep), None);
        assert_eq!(actions(&seq), vec![(1, Action::Create), (10, Action::Delete)]);
        // Observed during the window (e.g. created by an event after its page was read): kept.
        let seq = assemble(
            vec![event(1, p("a")), event(15, p("b"))],
            vec![],
            std::slice::from_ref(&sweep),
            None,
        );
        assert_eq!(actions(&seq), vec![(1, Action::Create), (15, Action::Update)]);
        // Seen by one of its pages, even one stamped outside the window: kept.
        let seq = assemble(vec![page("s", 9, p("a"))], vec![], std::slice::from_ref(&sweep), None);
        assert_eq!(actions(&seq), vec![(9, Action::Create)]);
        // Observed again after the sweep: deleted by it, then created again.
        let seq = assemble(vec![event(1, p("a")), event(30, p("a"))], vec![], &[sweep], None);
        assert_eq!(
            actions(&seq),
            vec![(1, Action::Create), (10, Action::Delete), (30, Action::Create)]
        );
    }

    fn upsert(t: i64, h: &str) -> Obs {
        let mut o = (*origin(&format!("u{t}"), OriginKind::Records, Source::Event, t)).clone();
        o.before_unknown = true;
        Obs { at: at(t), state: p(h), origin: Arc::new(o) }
    }

    fn unknown(seq: &[Obs]) -> Vec<(i64, Action, bool)> {
        evaluate(seq)
            .changes
            .iter()
            .map(|c| (seq[c.index].at.timestamp() - 1_790_000_000, c.action, c.before_unknown))
            .collect()
    }

    #[test]
    fn an_upsert_from_nothing_is_an_update_whose_before_is_unknown() {
        let seq = assemble(vec![upsert(1, "a"), upsert(2, "b")], vec![], &[], None);
        assert_eq!(unknown(&seq), vec![(1, Action::Update, true), (2, Action::Update, false)]);
        let eval = evaluate(&seq);
        assert_eq!(eval.changes[0].before, None);
        // After a known absence it is a create: a delete, a reconciled sweep.
        let seq = assemble(vec![event(1, State::Deleted), upsert(2, "a")], vec![], &[], None);
        assert_eq!(unknown(&seq), vec![(2, Action::Create, false)]);
        let seq = assemble(vec![upsert(30, "a")], vec![], &[reconcile("s", 10, 20)], None);
        assert_eq!(unknown(&seq), vec![(30, Action::Create, false)]);
        // A late, older presence makes it a plain update.
        let seq = assemble(vec![upsert(2, "b"), event(1, p("a"))], vec![], &[], None);
        assert_eq!(unknown(&seq), vec![(1, Action::Create, false), (2, Action::Update, false)]);
    }

    #[test]
    fn absences_older_than_the_horizon_come_from_storage() {
        let old = reconcile("old", 10, 20);
        let stored = Obs { at: at(10), state: State::Deleted, origin: old.clone() };
        // Beyond the horizon the stored tombstone stands even though the window check would
        // now say otherwise (its observations may have been compacted).
        let seq = assemble(vec![event(1, p("a"))], vec![stored], &[old], Some(at(100)));
        assert_eq!(actions(&seq), vec![(1, Action::Create), (10, Action::Delete)]);
    }
}
