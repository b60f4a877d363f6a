//! Quick configuration: `policy`, `onboard` and `rotate-key`.

use super::*;

/// Quick configuration: the subcommands of clouds that have an onboarder.
#[derive(Debug, Subcommand)]
pub(crate) enum Onboarding {
    /// Print the policies the features need: managed policies by name, custom ones as JSON
    /// to paste into the console.
    Policy {
        /// Features (comma-separated: host, cspm, agentless, response).
        #[arg(long, value_delimiter = ',', default_value = "host,cspm")]
        features: Vec<StandardFeature>,
        /// A value a custom policy is filled with, as name=value (repeatable).
        #[arg(long = "param", value_parser = parse_param)]
        params: Vec<(String, String)>,
    },
    /// With the root user's key: create (or reuse) a least-privilege user, attach the
    /// features' policies and print its new key once.
    Onboard {
        /// The user name (the SDK adds its `multicloud-` prefix).
        #[arg(long)]
        user: String,
        /// Features (comma-separated: host, cspm, agentless, response).
        #[arg(long, value_delimiter = ',', default_value = "host,cspm")]
        features: Vec<StandardFeature>,
        /// A value a custom policy is filled with, as name=value (repeatable).
        #[arg(long = "param", value_parser = parse_param)]
        params: Vec<(String, String)>,
        /// Do not ask before creating anything (needed when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// With the root user's key: issue a new key for the user, check it works, then delete
    /// its old key.
    RotateKey {
        /// The user name, as `onboard` printed it.
        #[arg(long)]
        user: String,
        /// The key to replace.
        #[arg(long)]
        old_key_id: String,
        /// Do not ask before changing anything (needed when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
    },
}

/// `name=value`.
fn parse_param(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .ok_or_else(|| format!("expected name=value, got {s:?}"))
}

fn onboard_request(
    user: &str,
    features: &[StandardFeature],
    params: &[(String, String)],
) -> OnboardRequest {
    params
        .iter()
        .fold(OnboardRequest::new(user, features.to_vec()), |r, (k, v)| {
            r.with_param(k.clone(), v.clone())
        })
}

/// Prints policy documents: managed ones by name, custom ones as the JSON to paste.
pub(crate) fn print_policies(output: Output, docs: &[PolicyDocument]) {
    if output == Output::Json {
        println!("{}", to_json(&docs));
        return;
    }
    for doc in docs {
        match &doc.document {
            None => println!("managed policy: {}", doc.name),
            Some(_) => println!("custom policy {}:\n{}", doc.name, doc.render()),
        }
    }
}

/// Asks on the terminal; only an explicit `yes` goes on. Without a terminal, `--yes` is
/// required (a usage error otherwise).
fn confirm(question: &str) -> Result<bool, Failure> {
    use std::io::Write;
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Usage(
            "stdin is not a terminal, so there is no one to confirm: pass --yes".to_owned(),
        ));
    }
    eprint!("{question} [yes/no] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    Ok(std::io::stdin().read_line(&mut answer).is_ok() && answer.trim() == "yes")
}

/// Prints a new key: its id, and its secret this once, with what to do next.
fn print_new_key(output: Output, user: &str, key: &multicloud_sdk::AccessKey, root_note: bool) {
    if output == Output::Json {
        let value = serde_json::json!({
            "user": user,
            "access_key_id": key.id(),
            "secret_access_key": key.secret().expose(),
        });
        println!("{}", to_json(&value));
    } else {
        println!("access key id: {}", key.id());
        println!("secret (shown once): {}", key.secret().expose());
    }
    eprintln!("warning: store the secret now, it is not shown again.");
    if root_note {
        eprintln!(
            "warning: use this key from now on, and delete the root user's key you ran this \
             with (a root key can do anything in the account)."
        );
    }
}

/// Runs `policy`, `onboard` or `rotate-key` on the provider's onboarder.
pub(crate) async fn run_onboarding<P: CloudProvider>(
    global: &Global,
    command: &Onboarding,
    provider: &P,
) -> Outcome {
    let Some(onboarder) = provider.onboarder() else {
        return Err(Failure::Usage(format!(
            "{} offers no quick configuration",
            provider.kind()
        )));
    };
    onboarding(global, command, onboarder).await
}

async fn onboarding(global: &Global, command: &Onboarding, onboarder: &dyn Onboarder) -> Outcome {
    let ui = Ui::new(global);
    match command {
        Onboarding::Policy { features, params } => {
            let docs = onboarder.policy_documents(&onboard_request("-", features, params))?;
            print_policies(global.output, &docs);
        }
        Onboarding::Onboard {
            user,
            features,
            params,
            yes,
        } => {
            let request = onboard_request(user, features, params);
            let docs = onboarder.policy_documents(&request)?;
            if !yes {
                print_policies(Output::Table, &docs);
                if !confirm(&format!(
                    "Create or reuse user {user} with these policies and a new key?"
                ))? {
                    eprintln!("nothing changed");
                    return Ok(EXIT_FAILURE);
                }
            }
            let outcome = ui
                .wait(format!("onboarding {user}"), onboarder.onboard(&request))
                .await;
            ui.done();
            let outcome = outcome?;
            if global.output == Output::Table {
                let created = if outcome.created_user {
                    "created"
                } else {
                    "reused"
                };
                println!("user: {} ({created})", outcome.user_name);
                println!("policies: {}", outcome.policies.join(", "));
                for old in &outcome.deleted_keys {
                    println!("deleted an old key of ours: {old}");
                }
            }
            print_new_key(global.output, &outcome.user_name, &outcome.access_key, true);
        }
        Onboarding::RotateKey {
            user,
            old_key_id,
            yes,
        } => {
            if !yes
                && !confirm(&format!(
                    "Issue a new key for {user} and delete {old_key_id}?"
                ))?
            {
                eprintln!("nothing changed");
                return Ok(EXIT_FAILURE);
            }
            let key = ui
                .wait(
                    format!("rotating the key of {user}"),
                    onboarder.rotate_key(user, old_key_id, &|_| {}),
                )
                .await;
            ui.done();
            let key = key?;
            if global.output == Output::Table {
                println!("deleted the old key {old_key_id}");
            }
            print_new_key(global.output, user, &key, false);
        }
    }
    Ok(EXIT_OK)
}
