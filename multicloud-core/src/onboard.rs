//! Quick configuration, the part every cloud shares: policy documents as data, and the
//! onboarding run (root-key check, user, policies, key, propagation wait, rollback) over a
//! provider's IAM calls ([`IamOps`]).
//!
//! A provider renders its [`PolicyDocument`]s from its declared kinds (managed policies,
//! by the names verify tells the user to grant) plus the custom JSON documents its guide
//! names, and implements [`IamOps`] with its cloud's calls; [`onboard`] and [`rotate_key`]
//! do the rest the same way for every cloud.
//!
//! ```
//! use multicloud_core::onboard::PolicyDocument;
//!
//! let managed = PolicyDocument::managed("AmazonEC2ReadOnlyAccess");
//! assert!(managed.document.is_none());
//! let custom = PolicyDocument::custom(
//!     "scan",
//!     serde_json::json!({"Version": "2012-10-17", "Statement": []}),
//! );
//! assert!(custom.render().contains("2012-10-17"));
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::provider::{OnboardOutcome, OnboardRequest};
use crate::secret::AccessKey;
use crate::transport::{Sleeper, TokioSleeper};
use crate::verify::{Identity, PrincipalType};

/// What key rotation calls with the new key, to start using it (e.g.
/// [`SharedCredential::replace`](crate::SharedCredential::replace)).
pub type KeySwitch<'a> = dyn for<'k> Fn(&'k AccessKey) + Send + Sync + 'a;

/// One policy to grant: a managed (system) policy by name, or a custom one with its JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PolicyDocument {
    /// The policy's name, as the console shows it.
    pub name: String,
    /// The document of a custom policy; `None` for a managed one.
    pub document: Option<serde_json::Value>,
}

impl PolicyDocument {
    /// The managed policy `name`.
    pub fn managed(name: impl Into<String>) -> Self {
        PolicyDocument {
            name: name.into(),
            document: None,
        }
    }

    /// The custom policy `name` with its document.
    pub fn custom(name: impl Into<String>, document: serde_json::Value) -> Self {
        PolicyDocument {
            name: name.into(),
            document: Some(document),
        }
    }

    /// Whether this is a custom policy (to create before attaching).
    pub fn is_custom(&self) -> bool {
        self.document.is_some()
    }

    /// The text a user pastes into the console: the pretty-printed JSON of a custom policy,
    /// or the managed policy's name.
    pub fn render(&self) -> String {
        match &self.document {
            Some(doc) => serde_json::to_string_pretty(doc).unwrap_or_default(),
            None => self.name.clone(),
        }
    }
}

/// A user in the cloud's IAM, as the calls of [`IamOps`] name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamUser {
    /// The user's name.
    pub name: String,
    /// The cloud's id for the user (AWS user id, Tencent sub-account uin, Huawei user id).
    pub id: String,
}

/// One access key of a user (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key id.
    pub id: String,
    /// When it was created (RFC 3339 or the cloud's own sortable form).
    pub created: String,
    /// Whether this SDK made it (marked by a tag or description when it was created).
    pub ours: bool,
}

/// The IAM calls quick configuration needs, made with the root key. Each call is one
/// request; [`onboard`] orders them, waits and rolls back.
#[async_trait]
pub trait IamOps: Send + Sync + fmt::Debug {
    /// Who the key in use belongs to (the identity call).
    async fn caller(&self) -> Result<Identity>;
    /// The user `name`, if it exists.
    async fn find_user(&self, name: &str) -> Result<Option<IamUser>>;
    /// Creates the user `name`.
    async fn create_user(&self, name: &str) -> Result<IamUser>;
    /// Deletes the user (no keys or policies left on it).
    async fn delete_user(&self, user: &IamUser) -> Result<()>;
    /// Creates a custom policy if none of that name exists; `true` when it was created here.
    async fn ensure_policy(&self, policy: &PolicyDocument) -> Result<bool>;
    /// Deletes the custom policy `name`.
    async fn delete_policy(&self, name: &str) -> Result<()>;
    /// The names of the policies attached to the user.
    async fn attached(&self, user: &IamUser) -> Result<Vec<String>>;
    /// Attaches `policy` (a managed policy, or a custom one made by `ensure_policy`).
    async fn attach(&self, user: &IamUser, policy: &PolicyDocument) -> Result<()>;
    /// Detaches the policy `name`.
    async fn detach(&self, user: &IamUser, name: &str) -> Result<()>;
    /// The user's access keys, oldest first.
    async fn keys(&self, user: &IamUser) -> Result<Vec<KeyInfo>>;
    /// Creates an access key for the user, marked as ours.
    async fn create_key(&self, user: &IamUser) -> Result<AccessKey>;
    /// Deletes the access key `key_id`.
    async fn delete_key(&self, user: &IamUser, key_id: &str) -> Result<()>;
    /// One check that `key` works for the features (its identity call and permissions).
    async fn check_key(&self, key: &AccessKey) -> Result<()>;
    /// How many access keys the cloud allows per user.
    fn key_cap(&self) -> usize;
    /// What the cloud calls a key that is not the root's ("this is an IAM user key").
    fn not_root(&self, identity: &Identity) -> String;
}

/// What every provider's onboarder keeps besides its client: the prefix put before the
/// sub-account's name, how long a new key is given to propagate, and the sleeper the wait
/// goes through.
#[derive(Clone)]
pub struct OnboardSettings {
    prefix: String,
    wait: PropagationWait,
    sleeper: Arc<dyn Sleeper>,
}

impl fmt::Debug for OnboardSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnboardSettings")
            .field("prefix", &self.prefix)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl OnboardSettings {
    /// Names users `<prefix><name>` and waits `wait` for new keys, on the tokio timer.
    pub fn new(prefix: impl Into<String>, wait: PropagationWait) -> Self {
        OnboardSettings {
            prefix: prefix.into(),
            wait,
            sleeper: Arc::new(TokioSleeper),
        }
    }

    /// The sub-account's name for `name`: the prefix put in front unless it is already there.
    pub fn user_name(&self, name: &str) -> String {
        if name.starts_with(&self.prefix) {
            name.to_owned()
        } else {
            format!("{}{name}", self.prefix)
        }
    }

    /// How long a new key is given to propagate.
    pub fn wait(&self) -> PropagationWait {
        self.wait
    }

    /// The sleeper the propagation wait goes through.
    pub fn sleeper(&self) -> &dyn Sleeper {
        self.sleeper.as_ref()
    }

    /// Runs [`onboard`] with these settings' wait and sleeper.
    pub async fn onboard(
        &self,
        ops: &dyn IamOps,
        request: &OnboardRequest,
        policies: &[PolicyDocument],
    ) -> Result<OnboardOutcome> {
        onboard(ops, request, policies, self.wait, self.sleeper()).await
    }

    /// Runs [`rotate_key`] for the prefixed `user_name` with these settings' wait and sleeper.
    pub async fn rotate_key(
        &self,
        ops: &dyn IamOps,
        user_name: &str,
        old_key_id: &str,
        switch: &KeySwitch<'_>,
    ) -> Result<AccessKey> {
        let name = self.user_name(user_name);
        rotate_key(ops, &name, old_key_id, switch, self.wait, self.sleeper()).await
    }
}

/// How long a new key is given to propagate: attempts and the backoff between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PropagationWait {
    /// The number of checks of the new key.
    pub attempts: u32,
    /// The first delay; each later one doubles, up to `max_delay`.
    pub first_delay: Duration,
    /// The longest delay between two checks.
    pub max_delay: Duration,
}

impl Default for PropagationWait {
    /// 8 checks, 500 ms doubling to 8 s: about 40 s in all (IAM propagation is usually a
    /// few seconds).
    fn default() -> Self {
        PropagationWait {
            attempts: 8,
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl PropagationWait {
    /// `attempts` checks, the first delay `first_delay`, doubling up to `max_delay`.
    pub fn new(attempts: u32, first_delay: Duration, max_delay: Duration) -> Self {
        PropagationWait {
            attempts: attempts.max(1),
            first_delay,
            max_delay,
        }
    }

    /// The delay before check number `n` (1-based, `n >= 1`).
    fn delay(&self, n: u32) -> Duration {
        let factor = 1u32 << n.saturating_sub(1).min(16);
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Whether a failed check of a new key may be the cloud not knowing it yet.
fn may_be_propagating(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::InvalidCredential | ErrorKind::PermissionDenied | ErrorKind::NotFound
    ) || e.is_retryable()
}

/// Checks `key` until it works or the wait is over.
pub async fn wait_until_usable(
    ops: &dyn IamOps,
    key: &AccessKey,
    wait: PropagationWait,
    sleeper: &dyn Sleeper,
) -> Result<()> {
    let mut n = 0;
    loop {
        n += 1;
        match ops.check_key(key).await {
            Ok(()) => return Ok(()),
            Err(e) if n < wait.attempts && may_be_propagating(&e) => {
                tracing::debug!(attempt = n, kind = %e.kind(), "new key not usable yet");
                sleeper.sleep(wait.delay(n)).await;
            }
            Err(e) => {
                let message = format!(
                    "the new key {} still fails after {n} checks: {}",
                    key.id(),
                    e.message()
                );
                return Err(e.with_message(message));
            }
        }
    }
}

/// What one run changed, in order, so a failure can undo it.
#[derive(Debug, Default)]
struct Journal {
    user: Option<IamUser>,
    policies: Vec<String>,
    attached: Vec<String>,
    key: Option<String>,
    deleted_keys: Vec<String>,
}

impl Journal {
    async fn undo(&self, ops: &dyn IamOps, user: Option<&IamUser>) -> (Vec<String>, Vec<String>) {
        let mut undone = Vec::new();
        let mut failed = Vec::new();
        let mut note = |what: String, r: Result<()>| match r {
            Ok(()) => undone.push(what),
            Err(e) => failed.push(format!("{what} ({})", e.kind())),
        };
        if let Some(user) = user {
            if let Some(key) = &self.key {
                note(format!("key {key}"), ops.delete_key(user, key).await);
            }
            for p in self.attached.iter().rev() {
                note(format!("attachment of {p}"), ops.detach(user, p).await);
            }
        }
        for p in self.policies.iter().rev() {
            note(format!("policy {p}"), ops.delete_policy(p).await);
        }
        if let Some(u) = &self.user {
            note(format!("user {}", u.name), ops.delete_user(u).await);
        }
        for k in &self.deleted_keys {
            failed.push(format!(
                "the deleted old key {k} (a deleted key cannot be restored)"
            ));
        }
        (undone, failed)
    }
}

/// Quick configuration: checks the key is the root's, creates or reuses
/// `request.user_name`, attaches exactly `policies`, creates a key (deleting the oldest key
/// this SDK made when the user is at the cloud's key cap) and waits until it works.
///
/// A failure after the first change undoes what this run changed and says what could not
/// be undone. Errors never carry a secret.
pub async fn onboard(
    ops: &dyn IamOps,
    request: &OnboardRequest,
    policies: &[PolicyDocument],
    wait: PropagationWait,
    sleeper: &dyn Sleeper,
) -> Result<OnboardOutcome> {
    let identity = ops.caller().await?;
    if identity.principal_type != PrincipalType::Root {
        return Err(Error::new(
            ErrorKind::PermissionDenied,
            ops.not_root(&identity),
        ));
    }
    let name = request.user_name.as_str();
    let mut journal = Journal::default();
    let result = run(ops, name, policies, wait, sleeper, &mut journal).await;
    match result {
        Ok((user, key)) => {
            let names = policies.iter().map(|p| p.name.clone()).collect();
            Ok(OnboardOutcome::new(user.name, key, names)
                .with_created_user(journal.user.is_some())
                .with_changes(journal.attached.clone(), journal.deleted_keys.clone()))
        }
        Err((step, e, user)) => {
            let (undone, failed) = journal.undo(ops, user.as_ref()).await;
            let mut message = format!("quick configuration failed at {step}: {}", e.message());
            if !undone.is_empty() {
                message.push_str(&format!("; rolled back: {}", undone.join(", ")));
            }
            if !failed.is_empty() {
                message.push_str(&format!("; could NOT undo: {}", failed.join(", ")));
            }
            Err(e.with_message(message))
        }
    }
}

type StepError = (&'static str, Error, Option<IamUser>);

async fn run(
    ops: &dyn IamOps,
    name: &str,
    policies: &[PolicyDocument],
    wait: PropagationWait,
    sleeper: &dyn Sleeper,
    journal: &mut Journal,
) -> std::result::Result<(IamUser, AccessKey), StepError> {
    let user = match ops.find_user(name).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            let u = ops
                .create_user(name)
                .await
                .map_err(|e| ("creating the user", e, None))?;
            journal.user = Some(u.clone());
            u
        }
        Err(e) => return Err(("looking the user up", e, None)),
    };
    fn fail<'a>(step: &'static str, u: &'a IamUser) -> impl FnOnce(Error) -> StepError + 'a {
        move |e: Error| (step, e, Some(u.clone()))
    }
    for p in policies.iter().filter(|p| p.is_custom()) {
        if ops
            .ensure_policy(p)
            .await
            .map_err(fail("creating a custom policy", &user))?
        {
            journal.policies.push(p.name.clone());
        }
    }
    let attached = ops
        .attached(&user)
        .await
        .map_err(fail("listing the user's policies", &user))?;
    for p in policies.iter().filter(|p| !attached.contains(&p.name)) {
        ops.attach(&user, p)
            .await
            .map_err(fail("attaching a policy", &user))?;
        journal.attached.push(p.name.clone());
    }
    let keys = ops
        .keys(&user)
        .await
        .map_err(fail("listing the user's keys", &user))?;
    if keys.len() >= ops.key_cap() {
        let Some(oldest) = keys.iter().find(|k| k.ours) else {
            let e = Error::new(
                ErrorKind::Config,
                format!(
                    "user {name} already has {} access keys, the most the cloud allows, and none \
                     was made by multicloud; delete one of them yourself",
                    keys.len()
                ),
            );
            return Err(("making room for a key", e, Some(user)));
        };
        ops.delete_key(&user, &oldest.id)
            .await
            .map_err(fail("deleting the oldest key multicloud made", &user))?;
        journal.deleted_keys.push(oldest.id.clone());
    }
    let key = ops
        .create_key(&user)
        .await
        .map_err(fail("creating the access key", &user))?;
    journal.key = Some(key.id().to_owned());
    wait_until_usable(ops, &key, wait, sleeper)
        .await
        .map_err(fail("checking the new key", &user))?;
    Ok((user, key))
}

/// Key rotation: a new key for `user_name`, checked until it works, handed to `switch`
/// (which starts using it, e.g. [`SharedCredential::replace`](crate::SharedCredential::replace)),
/// then `old_key_id` is deleted. If the new key never works it is deleted and the old one
/// kept.
pub async fn rotate_key(
    ops: &dyn IamOps,
    user_name: &str,
    old_key_id: &str,
    switch: &KeySwitch<'_>,
    wait: PropagationWait,
    sleeper: &dyn Sleeper,
) -> Result<AccessKey> {
    let user = ops
        .find_user(user_name)
        .await?
        .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("there is no user {user_name}")))?;
    let keys = ops.keys(&user).await?;
    if !keys.iter().any(|k| k.id == old_key_id) {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("user {user_name} has no key {old_key_id}"),
        ));
    }
    if keys.len() >= ops.key_cap() {
        return Err(Error::new(
            ErrorKind::Config,
            format!(
                "user {user_name} has {} keys, the most the cloud allows: delete one other than \
                 {old_key_id} first",
                keys.len()
            ),
        ));
    }
    let key = ops.create_key(&user).await?;
    if let Err(e) = wait_until_usable(ops, &key, wait, sleeper).await {
        let undo = ops.delete_key(&user, key.id()).await;
        let tail = match undo {
            Ok(()) => format!("; the new key was deleted, {old_key_id} is still in use"),
            Err(u) => format!("; could NOT delete the new key {} ({})", key.id(), u.kind()),
        };
        let message = format!("{}{tail}", e.message());
        return Err(e.with_message(message));
    }
    switch(&key);
    ops.delete_key(&user, old_key_id).await.map_err(|e| {
        let message = format!(
            "switched to the new key {}, but deleting {old_key_id} failed: {}",
            key.id(),
            e.message()
        );
        e.with_message(message)
    })?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::TokioSleeper;
    use std::sync::Mutex;

    /// An in-memory IAM that logs every call and fails the calls named in `fail`.
    #[derive(Debug, Default)]
    struct FakeIam {
        log: Mutex<Vec<String>>,
        fail: Vec<&'static str>,
        root: bool,
        keys: Mutex<Vec<KeyInfo>>,
        checks_before_ok: Mutex<u32>,
    }

    impl FakeIam {
        fn call(&self, what: &str) -> Result<()> {
            self.log.lock().unwrap().push(what.to_owned());
            let name = what.split(' ').next().unwrap_or(what);
            if self.fail.contains(&name) {
                return Err(Error::new(ErrorKind::Transient, format!("{name} failed")));
            }
            Ok(())
        }
        fn log(&self) -> Vec<String> {
            self.log.lock().unwrap().clone()
        }
    }

    #[async_trait]
    impl IamOps for FakeIam {
        async fn caller(&self) -> Result<Identity> {
            let kind = if self.root {
                PrincipalType::Root
            } else {
                PrincipalType::User
            };
            Ok(Identity::new("1", "me", kind))
        }
        async fn find_user(&self, name: &str) -> Result<Option<IamUser>> {
            self.call(&format!("find_user {name}"))?;
            Ok(None)
        }
        async fn create_user(&self, name: &str) -> Result<IamUser> {
            self.call(&format!("create_user {name}"))?;
            Ok(IamUser {
                name: name.to_owned(),
                id: "u1".into(),
            })
        }
        async fn delete_user(&self, user: &IamUser) -> Result<()> {
            self.call(&format!("delete_user {}", user.name))
        }
        async fn ensure_policy(&self, policy: &PolicyDocument) -> Result<bool> {
            self.call(&format!("ensure_policy {}", policy.name))?;
            Ok(true)
        }
        async fn delete_policy(&self, name: &str) -> Result<()> {
            self.call(&format!("delete_policy {name}"))
        }
        async fn attached(&self, _: &IamUser) -> Result<Vec<String>> {
            self.call("attached")?;
            Ok(Vec::new())
        }
        async fn attach(&self, _: &IamUser, policy: &PolicyDocument) -> Result<()> {
            self.call(&format!("attach {}", policy.name))
        }
        async fn detach(&self, _: &IamUser, name: &str) -> Result<()> {
            self.call(&format!("detach {name}"))
        }
        async fn keys(&self, _: &IamUser) -> Result<Vec<KeyInfo>> {
            self.call("keys")?;
            Ok(self.keys.lock().unwrap().clone())
        }
        async fn create_key(&self, _: &IamUser) -> Result<AccessKey> {
            self.call("create_key")?;
            Ok(AccessKey::new("NEWKEY", "new-secret-value"))
        }
        async fn delete_key(&self, _: &IamUser, id: &str) -> Result<()> {
            self.call(&format!("delete_key {id}"))
        }
        async fn check_key(&self, _: &AccessKey) -> Result<()> {
            self.call("check_key")?;
            let mut left = self.checks_before_ok.lock().unwrap();
            if *left > 0 {
                *left -= 1;
                return Err(Error::new(ErrorKind::InvalidCredential, "unknown key"));
            }
            Ok(())
        }
        fn key_cap(&self) -> usize {
            2
        }
        fn not_root(&self, _: &Identity) -> String {
            "this is an IAM user key".into()
        }
    }

    fn docs() -> Vec<PolicyDocument> {
        vec![
            PolicyDocument::managed("Managed"),
            PolicyDocument::custom("Custom", serde_json::json!({})),
        ]
    }

    fn fast() -> PropagationWait {
        PropagationWait::new(3, Duration::from_millis(1), Duration::from_millis(2))
    }

    #[tokio::test]
    async fn a_failure_undoes_the_journal_in_reverse_and_names_what_stayed() {
        let iam = FakeIam {
            root: true,
            fail: vec!["check_key", "delete_policy"],
            ..FakeIam::default()
        };
        let request = OnboardRequest::new("ops", vec![]);
        let err = onboard(&iam, &request, &docs(), fast(), &TokioSleeper)
            .await
            .unwrap_err();
        let log = iam.log();
        let undo: Vec<&str> = log
            .iter()
            .skip_while(|l| !l.starts_with("delete_key"))
            .map(String::as_str)
            .collect();
        assert_eq!(
            undo,
            [
                "delete_key NEWKEY",
                "detach Custom",
                "detach Managed",
                "delete_policy Custom",
                "delete_user ops"
            ]
        );
        let text = err.to_string();
        assert!(text.contains("failed at checking the new key"), "{text}");
        assert!(text.contains("rolled back: key NEWKEY"), "{text}");
        assert!(text.contains("could NOT undo: policy Custom"), "{text}");
        assert!(!text.contains("new-secret-value"), "{text}");
    }

    #[tokio::test]
    async fn a_key_unknown_at_first_is_waited_for_and_a_user_key_refused() {
        let iam = FakeIam {
            root: true,
            checks_before_ok: Mutex::new(2),
            ..FakeIam::default()
        };
        let outcome = onboard(
            &iam,
            &OnboardRequest::new("ops", vec![]),
            &docs(),
            fast(),
            &TokioSleeper,
        )
        .await
        .unwrap();
        assert_eq!(iam.log().iter().filter(|l| *l == "check_key").count(), 3);
        assert!(outcome.created_user);
        assert_eq!(outcome.newly_attached, ["Managed", "Custom"]);

        let user_key = FakeIam::default();
        let err = onboard(
            &user_key,
            &OnboardRequest::new("ops", vec![]),
            &docs(),
            fast(),
            &TokioSleeper,
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        assert!(
            user_key.log().is_empty(),
            "nothing may be sent after the refusal"
        );
    }

    #[tokio::test]
    async fn a_rotation_whose_new_key_never_works_keeps_the_old_one() {
        let iam = FakeIam {
            root: true,
            checks_before_ok: Mutex::new(99),
            keys: Mutex::new(vec![KeyInfo {
                id: "OLD".into(),
                created: "1".into(),
                ours: true,
            }]),
            ..FakeIam::default()
        };
        let switched = Mutex::new(false);
        let err = rotate_key(
            &FakeIamWithUser(&iam),
            "ops",
            "OLD",
            &|_| *switched.lock().unwrap() = true,
            fast(),
            &TokioSleeper,
        )
        .await
        .unwrap_err();
        assert!(!*switched.lock().unwrap());
        assert!(err.to_string().contains("OLD is still in use"), "{err}");
        let log = iam.log();
        assert!(log.contains(&"delete_key NEWKEY".to_owned()));
        assert!(!log.contains(&"delete_key OLD".to_owned()));
    }

    /// The fake, but with the user already there (rotation needs one).
    #[derive(Debug)]
    struct FakeIamWithUser<'a>(&'a FakeIam);

    #[async_trait]
    impl IamOps for FakeIamWithUser<'_> {
        async fn caller(&self) -> Result<Identity> {
            self.0.caller().await
        }
        async fn find_user(&self, name: &str) -> Result<Option<IamUser>> {
            Ok(Some(IamUser {
                name: name.to_owned(),
                id: "u1".into(),
            }))
        }
        async fn create_user(&self, name: &str) -> Result<IamUser> {
            self.0.create_user(name).await
        }
        async fn delete_user(&self, user: &IamUser) -> Result<()> {
            self.0.delete_user(user).await
        }
        async fn ensure_policy(&self, policy: &PolicyDocument) -> Result<bool> {
            self.0.ensure_policy(policy).await
        }
        async fn delete_policy(&self, name: &str) -> Result<()> {
            self.0.delete_policy(name).await
        }
        async fn attached(&self, user: &IamUser) -> Result<Vec<String>> {
            self.0.attached(user).await
        }
        async fn attach(&self, user: &IamUser, policy: &PolicyDocument) -> Result<()> {
            self.0.attach(user, policy).await
        }
        async fn detach(&self, user: &IamUser, name: &str) -> Result<()> {
            self.0.detach(user, name).await
        }
        async fn keys(&self, user: &IamUser) -> Result<Vec<KeyInfo>> {
            self.0.keys(user).await
        }
        async fn create_key(&self, user: &IamUser) -> Result<AccessKey> {
            self.0.create_key(user).await
        }
        async fn delete_key(&self, user: &IamUser, id: &str) -> Result<()> {
            self.0.delete_key(user, id).await
        }
        async fn check_key(&self, key: &AccessKey) -> Result<()> {
            self.0.check_key(key).await
        }
        fn key_cap(&self) -> usize {
            2
        }
        fn not_root(&self, identity: &Identity) -> String {
            self.0.not_root(identity)
        }
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let w = PropagationWait::new(5, Duration::from_millis(100), Duration::from_millis(300));
        assert_eq!(w.delay(1), Duration::from_millis(100));
        assert_eq!(w.delay(2), Duration::from_millis(200));
        assert_eq!(w.delay(3), Duration::from_millis(300));
        assert_eq!(w.delay(40), Duration::from_millis(300));
        assert_eq!(
            PropagationWait::new(0, w.first_delay, w.max_delay).attempts,
            1
        );
    }

    #[test]
    fn documents_render_for_the_console() {
        let doc = PolicyDocument::custom("p", serde_json::json!({"Version": "1.1"}));
        assert!(doc.is_custom());
        assert_eq!(doc.render(), "{\n  \"Version\": \"1.1\"\n}");
        assert_eq!(PolicyDocument::managed("X").render(), "X");
    }
}
