//! The information wall, field by field.
//!
//! Treatment information (DOMAIN.md section 2) reaches a viewer only under a covering waiver.
//! Whole records of a treatment kind (treatment progress, attendance detail, disclosures, monthly
//! reports, substance-use treatment: [`RecordKind::information_category`]) are read only through a
//! decision on that kind. Some records that others may see also hold treatment information in
//! one or two fields: the provider's written interpretation given with a dynamic score is
//! dynamic-risk discussion, though the score itself goes to the officer and law enforcement by
//! statute. Every such field is listed in [`TreatmentField`] with its category, and its value is
//! kept in a [`Walled`], which has no `Serialize` and opens only with a [`Clearance`] that covers
//! its category. A page or API view therefore cannot show the text without asking.
//!
//! Self-reports of high-risk behavior are made under the treatment contract to provider and
//! officer alike (R13 has both acknowledge them), so they are treatment-contract records of the
//! core team, not treatment information; a disclosure made to the provider alone is recorded by
//! the provider as a disclosure (the `Disclosure` record kind), which is.

use std::fmt;

use crate::access::{InformationCategory, RecordKind, WaiverId};

/// A field that carries treatment information inside a record that is not itself of a treatment
/// kind. The one place that says which category each such field belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TreatmentField {
    /// The provider's written interpretation given with a dynamic score (R5).
    ScoreInterpretation,
    /// What the provider and officer said in their monthly communication.
    ContactNotes,
    /// Which subjects that communication covered.
    ContactTopics,
    /// The needs found by a specialized assessment.
    AssessmentAreas,
    /// The assessor's summary.
    AssessmentSummary,
}

impl TreatmentField {
    pub const ALL: [TreatmentField; 5] = [
        TreatmentField::ScoreInterpretation,
        TreatmentField::ContactNotes,
        TreatmentField::ContactTopics,
        TreatmentField::AssessmentAreas,
        TreatmentField::AssessmentSummary,
    ];

    pub fn category(self) -> InformationCategory {
        match self {
            TreatmentField::ScoreInterpretation
            | TreatmentField::ContactNotes
            | TreatmentField::ContactTopics => InformationCategory::DynamicRiskDiscussion,
            TreatmentField::AssessmentAreas | TreatmentField::AssessmentSummary => {
                InformationCategory::Progress
            }
        }
    }

    /// The record the field belongs to and its name there, as the API spells them.
    pub fn location(self) -> (&'static str, &'static str) {
        match self {
            TreatmentField::ScoreInterpretation => ("risk_score_step", "interpretation"),
            TreatmentField::ContactNotes => ("contact", "notes"),
            TreatmentField::ContactTopics => ("contact", "topics"),
            TreatmentField::AssessmentAreas => ("assessment", "areas"),
            TreatmentField::AssessmentSummary => ("assessment", "summary"),
        }
    }

    /// Puts a stored value, written by `author`, behind the wall.
    pub fn wall<T>(self, author: Option<i64>, value: T) -> Walled<T> {
        Walled {
            field: self,
            author,
            value,
        }
    }
}

impl InformationCategory {
    /// The record kind the access policy decides this category on.
    pub fn record_kind(self) -> RecordKind {
        match self {
            InformationCategory::Progress => RecordKind::TreatmentProgress,
            InformationCategory::AttendanceDetail => RecordKind::AttendanceDetail,
            InformationCategory::DynamicRiskDiscussion => RecordKind::DynamicRiskDiscussion,
            InformationCategory::Disclosures => RecordKind::Disclosure,
            InformationCategory::MonthlyReports => RecordKind::MonthlyReport,
            InformationCategory::SubstanceUse => RecordKind::SubstanceUseTreatment,
        }
    }
}

/// The categories of treatment information one viewer may read on one case today, each with
/// the waiver that allows it (`None` where the policy needs none). Whoever wrote a value reads
/// it back whatever the waivers say: that discloses nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clearance {
    viewer: Option<i64>,
    covered: Vec<(InformationCategory, Option<WaiverId>)>,
}

impl Clearance {
    /// Nothing behind the wall.
    pub fn none() -> Self {
        Clearance::default()
    }

    /// Built from the policy's answer for each category (`allowed` returns the waiver of an
    /// allowing decision, `Some(None)` when no waiver was needed, `None` when denied).
    pub fn from_decisions(
        viewer: Option<i64>,
        mut allowed: impl FnMut(InformationCategory) -> Option<Option<WaiverId>>,
    ) -> Self {
        Clearance {
            viewer,
            covered: InformationCategory::ALL
                .iter()
                .copied()
                .filter_map(|c| allowed(c).map(|w| (c, w)))
                .collect(),
        }
    }

    pub fn covers(&self, category: InformationCategory) -> bool {
        self.covered.iter().any(|(c, _)| *c == category)
    }

    /// The waiver that lets the viewer read `category`, if one was needed.
    pub fn waiver_for(&self, category: InformationCategory) -> Option<WaiverId> {
        self.covered
            .iter()
            .find(|(c, _)| *c == category)
            .and_then(|(_, w)| *w)
    }
}

/// A stored value of a [`TreatmentField`]. It cannot be serialized or printed; it opens only
/// for a clearance covering its category.
#[derive(Clone, PartialEq, Eq)]
pub struct Walled<T> {
    field: TreatmentField,
    author: Option<i64>,
    value: T,
}

impl<T> Walled<T> {
    pub fn field(&self) -> TreatmentField {
        self.field
    }

    /// The value, when `clearance` covers it or its viewer wrote it.
    pub fn open(&self, clearance: &Clearance) -> Option<&T> {
        let own = self.author.is_some() && self.author == clearance.viewer;
        (own || clearance.covers(self.field.category())).then_some(&self.value)
    }

    /// The value for writing it back where it came from (storage, a new version of the same
    /// record); never for showing it.
    pub fn stored(&self) -> &T {
        &self.value
    }
}

impl<T> fmt::Debug for Walled<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (record, field) = self.field.location();
        write!(f, "Walled({record}.{field})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walled_value_opens_only_for_its_category() {
        let text = TreatmentField::ScoreInterpretation.wall(Some(3), "denies risk".to_owned());
        assert_eq!(text.open(&Clearance::none()), None);
        let progress_only = Clearance::from_decisions(Some(4), |c| {
            (c == InformationCategory::Progress).then_some(Some(WaiverId(7)))
        });
        assert_eq!(text.open(&progress_only), None);
        // Its author reads it back without a waiver.
        let author = Clearance::from_decisions(Some(3), |_| None);
        assert_eq!(text.open(&author).map(String::as_str), Some("denies risk"));
        let discussion = Clearance::from_decisions(Some(4), |c| {
            (c == InformationCategory::DynamicRiskDiscussion).then_some(Some(WaiverId(9)))
        });
        assert_eq!(
            text.open(&discussion).map(String::as_str),
            Some("denies risk")
        );
        assert_eq!(
            discussion.waiver_for(InformationCategory::DynamicRiskDiscussion),
            Some(WaiverId(9))
        );
        assert!(!format!("{text:?}").contains("denies"));
    }

    #[test]
    fn every_field_and_category_maps_back_to_a_treatment_kind() {
        for field in TreatmentField::ALL {
            let kind = field.category().record_kind();
            assert_eq!(kind.information_category(), Some(field.category()));
        }
        for &category in InformationCategory::ALL {
            assert_eq!(
                category.record_kind().information_category(),
                Some(category)
            );
        }
    }
}
