//! Documents kept on a case: signed waivers, the criminal-history records probation hands to the
//! provider for scoring (CORI), court orders and substance-use treatment records. The kind decides
//! who may read a document and which notice travels with it.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ParseError;
use crate::access::RecordKind;
use crate::identity::code_enum;
use crate::waiver::PART2_NOTICE;

/// Largest document accepted (a scanned, signed form of a few pages fits easily).
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// The mark every view and export of criminal offender record information carries.
pub const CORI_MARK: &str = "CORI: criminal offender record information. Do not re-disseminate \
    (Penal Code 11075, 11076). Authorized for this case's containment team only.";

code_enum! {
    /// What a document is.
    DocumentKind, "document kind" {
        SignedWaiver => "signed_waiver", "signed waiver or consent";
        RapSheet => "rap_sheet", "criminal history (rap sheet)";
        PoliceReport => "police_report", "police report";
        ProbationReport => "probation_report", "probation officer's report";
        CourtOrder => "court_order", "court order";
        SubstanceUseRecord => "substance_use_record", "substance-use treatment record";
    }
}

impl DocumentKind {
    /// The record kind the access policy decides on.
    pub fn record_kind(self) -> RecordKind {
        match self {
            DocumentKind::SignedWaiver => RecordKind::Waiver,
            DocumentKind::RapSheet | DocumentKind::PoliceReport | DocumentKind::ProbationReport => {
                RecordKind::CoriRecord
            }
            DocumentKind::CourtOrder => RecordKind::SupervisionEpisode,
            DocumentKind::SubstanceUseRecord => RecordKind::SubstanceUseTreatment,
        }
    }

    /// Whether the document is criminal offender record information (PC 11075).
    pub fn is_cori(self) -> bool {
        self.record_kind() == RecordKind::CoriRecord
    }

    /// The notice shown with every view and export of this kind of document, if any.
    pub fn notice(self) -> Option<&'static str> {
        match self.record_kind() {
            RecordKind::CoriRecord => Some(CORI_MARK),
            RecordKind::SubstanceUseTreatment => Some(PART2_NOTICE),
            _ => None,
        }
    }
}

code_enum! {
    /// The file formats accepted, recognised from the file's first bytes rather than from what
    /// the uploading browser claims.
    DocumentFormat, "file type" {
        Pdf => "application/pdf", "PDF";
        Png => "image/png", "PNG image";
        Jpeg => "image/jpeg", "JPEG image";
        Tiff => "image/tiff", "TIFF image";
    }
}

impl DocumentFormat {
    /// The format of `content`, from its signature bytes.
    pub fn sniff(content: &[u8]) -> Option<Self> {
        if content.starts_with(b"%PDF-") {
            Some(DocumentFormat::Pdf)
        } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(DocumentFormat::Png)
        } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(DocumentFormat::Jpeg)
        } else if content.starts_with(b"II*\0") || content.starts_with(b"MM\0*") {
            Some(DocumentFormat::Tiff)
        } else {
            None
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            DocumentFormat::Pdf => "pdf",
            DocumentFormat::Png => "png",
            DocumentFormat::Jpeg => "jpg",
            DocumentFormat::Tiff => "tif",
        }
    }
}

/// An uploaded file that passed the checks: known format, within the size limit, not empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedDocument {
    pub format: DocumentFormat,
    pub file_name: String,
    pub sha256: String,
    pub size: usize,
}

/// Checks an uploaded file and computes its SHA-256.
pub fn check_document(file_name: &str, content: &[u8]) -> Result<CheckedDocument, ParseError> {
    if content.is_empty() {
        return Err(ParseError::Missing { field: "file" });
    }
    if content.len() > MAX_DOCUMENT_BYTES {
        return Err(ParseError::Invalid {
            field: "file",
            reason: "it is larger than 10 MiB",
        });
    }
    let format = DocumentFormat::sniff(content).ok_or(ParseError::Invalid {
        field: "file",
        reason: "it is not a PDF, PNG, JPEG or TIFF file",
    })?;
    Ok(CheckedDocument {
        format,
        file_name: clean_file_name(file_name, format),
        sha256: hex::encode(Sha256::digest(content)),
        size: content.len(),
    })
}

/// A file name safe to show and to send back in a header: no path, no control or quoting
/// characters, at most 120 characters, with the extension of the real format.
pub fn clean_file_name(name: &str, format: DocumentFormat) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_' | '(' | ')'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    let stem = match cleaned.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
        _ if cleaned.is_empty() => "document".to_owned(),
        _ => cleaned,
    };
    format!("{stem}.{}", format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_from_their_first_bytes() {
        assert_eq!(
            DocumentFormat::sniff(b"%PDF-1.7\n..."),
            Some(DocumentFormat::Pdf)
        );
        assert_eq!(
            DocumentFormat::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(DocumentFormat::Png)
        );
        assert_eq!(
            DocumentFormat::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(DocumentFormat::Jpeg)
        );
        assert_eq!(
            DocumentFormat::sniff(b"II*\0abc"),
            Some(DocumentFormat::Tiff)
        );
        assert_eq!(DocumentFormat::sniff(b"<html>"), None);
        assert_eq!(DocumentFormat::sniff(b"MZ\x90\0"), None);
    }

    #[test]
    fn size_limit_is_inclusive() {
        let mut at_limit = b"%PDF-".to_vec();
        at_limit.resize(MAX_DOCUMENT_BYTES, b' ');
        assert!(check_document("a.pdf", &at_limit).is_ok());
        at_limit.push(b' ');
        assert!(check_document("a.pdf", &at_limit).is_err());
        assert_eq!(
            check_document("a.pdf", b""),
            Err(ParseError::Missing { field: "file" })
        );
    }

    #[test]
    fn the_hash_is_the_sha256_of_the_bytes() {
        let d = check_document("w.pdf", b"%PDF-1.4 test").unwrap();
        // sha256sum of the 13 bytes "%PDF-1.4 test"
        assert_eq!(
            d.sha256,
            "d663640088750cf16276d623c2588d7233f2b84b45f4b2e20832f47b16aa5618"
        );
        assert_eq!(d.size, 13);
    }

    #[test]
    fn file_names_lose_paths_and_take_the_real_extension() {
        assert_eq!(
            clean_file_name("C:\\scans\\waiver signed.PDF", DocumentFormat::Pdf),
            "waiver signed.pdf"
        );
        assert_eq!(
            clean_file_name("../../etc/passwd", DocumentFormat::Png),
            "passwd.png"
        );
        assert_eq!(
            clean_file_name("report\".exe", DocumentFormat::Pdf),
            "report.pdf"
        );
        assert_eq!(clean_file_name("", DocumentFormat::Jpeg), "document.jpg");
        assert_eq!(
            clean_file_name(".hidden", DocumentFormat::Pdf),
            "hidden.pdf"
        );
    }

    #[test]
    fn cori_and_part2_kinds_carry_their_notices() {
        for kind in [
            DocumentKind::RapSheet,
            DocumentKind::PoliceReport,
            DocumentKind::ProbationReport,
        ] {
            assert!(kind.is_cori());
            assert_eq!(kind.notice(), Some(CORI_MARK));
        }
        assert_eq!(
            DocumentKind::SubstanceUseRecord.notice(),
            Some(PART2_NOTICE)
        );
        assert_eq!(DocumentKind::SignedWaiver.notice(), None);
        assert_eq!(
            DocumentKind::SubstanceUseRecord.record_kind(),
            RecordKind::SubstanceUseTreatment
        );
    }
}
