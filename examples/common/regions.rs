//! The `--regions` check against the account's region list, with a "did you mean".

use super::*;

/// The regions to scan: those named (each checked against the account's list), else
/// every scannable one.
pub(crate) async fn select_regions<P: CloudProvider>(
    ui: &Ui,
    provider: &P,
    wanted: &[String],
) -> Result<Vec<Region>, Failure> {
    let known = ui.wait("listing regions", provider.regions()).await?;
    if wanted.is_empty() {
        return Ok(known.into_iter().filter(Region::is_scannable).collect());
    }
    let mut chosen = Vec::new();
    for name in wanted {
        let name = name.trim();
        // By id, or by the name the console shows (CTyun's pools: 华东1).
        let found = known
            .iter()
            .find(|r| r.id == name)
            .or_else(|| known.iter().find(|r| r.name.as_deref() == Some(name)));
        match found {
            Some(region) if region.is_scannable() => chosen.push(region.clone()),
            Some(region) => {
                return Err(Failure::Usage(format!(
                    "region {name} is not usable by this account ({:?}); enable it in the \
                     console, or pick one the `regions` subcommand shows as scanned",
                    region.status
                )))
            }
            None => {
                let ids: Vec<&str> = known.iter().map(|r| r.id.as_str()).collect();
                let mut message = format!(
                    "unknown region {name} for {} ({} domain)",
                    provider.kind(),
                    provider.domain()
                );
                if let Some(close) = did_you_mean(name, &ids) {
                    message.push_str(&format!("; did you mean {close}?"));
                }
                message.push_str(&format!(
                    " (the `regions` subcommand lists the account's {} regions)",
                    ids.len()
                ));
                return Err(Failure::Usage(message));
            }
        }
    }
    Ok(chosen)
}

/// The known name closest to `name` by edit distance, when it is close enough to be a typo.
pub(crate) fn did_you_mean<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}
