//! `block`, `unblock` and `blocks` on the provider's IP blocker.

use super::*;

/// Runs `block`, `unblock` or `blocks` on the provider's IP blocker.
pub(crate) async fn run_blocking<P: CloudProvider>(
    global: &Global,
    command: &Blocking,
    provider: &P,
) -> Outcome {
    let Some(blocker) = provider.ip_blocker() else {
        return Err(Failure::Usage(format!(
            "{} offers no IP blocking",
            provider.kind()
        )));
    };
    let ui = Ui::new(global);
    let outcome = match command {
        Blocking::Block { at, comment, ip } => {
            let mut request = BlockRequest::new(*ip, at.target(), at.region.clone());
            if let Some(c) = comment {
                request = request.with_comment(c.clone());
            }
            let rule = ui
                .wait(format!("blocking {ip}"), blocker.block_ip(&request))
                .await;
            ui.done();
            rule.map(|rule| print::rules(global.output, &[rule]))
        }
        Blocking::Unblock { at, rule_id, ip } => {
            let rule = BlockRule::new(
                rule_id.clone(),
                ip.to_string(),
                at.target(),
                at.region.clone(),
            );
            let done = ui
                .wait(format!("unblocking {ip}"), blocker.unblock_ip(&rule))
                .await;
            ui.done();
            done.map(|()| print::unblocked(global.output, ip, rule_id))
        }
        Blocking::Blocks { at } => {
            let listing = blocker.list_blocks(&at.target(), &at.region).try_collect();
            let rules: multicloud_sdk::Result<Vec<BlockRule>> =
                ui.wait("listing blocks", listing).await;
            ui.done();
            rules.map(|rules| print::rules(global.output, &rules))
        }
    };
    outcome.map(|()| EXIT_OK).map_err(Failure::Sdk)
}
