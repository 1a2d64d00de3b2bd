//! Stacks: several containers on a network of their own, reaching each
//! other by name, started in dependency order and removed together.
//!
//! A service under test rarely runs alone: an app needs its database and
//! its cache, a proxy needs the app. A [`StackRequest`] names each member;
//! the stack creates a fresh network, and every member joins it with its
//! name as alias (plus the aliases its request adds with
//! [`network_alias`](ContainerRequest::network_alias)), so `db:5432` is the
//! database from any other member. A member that
//! [depends on](StackRequest::depends_on) others starts once they are
//! ready; members that wait for nothing start at the same time. If a member
//! fails to start, the start fails with [`Error::StackMemberFailed`] naming
//! it, after the members already under way have finished starting, and
//! everything the stack created is removed. Dropping the [`Stack`] removes
//! its containers, then its network.

use std::collections::{HashMap, HashSet};

use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::container::Container;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::network::Network;
use crate::request::ContainerRequest;
use crate::runtime;

/// Containers to start together; see [`Stack::builder`].
///
/// ```no_run
/// use dockhand::{ContainerRequest, Stack};
///
/// #[test]
/// fn app_uses_its_cache() -> dockhand::Result<()> {
///     let stack = Stack::builder()
///         .member("cache", ContainerRequest::new("redis:7"))
///         .member(
///             "app",
///             ContainerRequest::new("my-app:test").env("REDIS_URL", "redis://cache:6379").expose(8080),
///         )
///         .depends_on("app", ["cache"])
///         .start_blocking()?;
///     let app = stack.container("app")?;
///     // … send requests to (app.host(), app.host_port(8080)?) …
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "a stack request does nothing until it is started"]
pub struct StackRequest {
    members: Vec<(String, ContainerRequest)>,
    dependencies: HashMap<String, Vec<String>>,
}

impl StackRequest {
    /// Adds the member `name`, reached by that name on the stack's network.
    /// The stack puts the request on its network.
    pub fn member(mut self, name: impl Into<String>, request: ContainerRequest) -> Self {
        self.members.push((name.into(), request));
        self
    }

    /// Starts `member` only once every one of `dependencies` is ready.
    pub fn depends_on<I, S>(mut self, member: impl Into<String>, dependencies: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        (self.dependencies.entry(member.into()).or_default())
            .extend(dependencies.into_iter().map(Into::into));
        self
    }

    /// Creates the network and starts the members on the engine from the
    /// environment; returns once every member is ready.
    pub async fn start(self) -> Result<Stack> {
        runtime::run(async move { self.start_here(Engine::from_env().await?).await }).await
    }

    /// Creates the network and starts the members on `engine`.
    pub async fn start_on(self, engine: &Engine) -> Result<Stack> {
        let engine = engine.clone();
        runtime::run(self.start_here(engine)).await
    }

    /// [`start`](Self::start) for code without an async runtime.
    pub fn start_blocking(self) -> Result<Stack> {
        runtime::block_on(async move { self.start_here(Engine::from_env().await?).await })
    }

    /// The members `member` waits for.
    fn after(&self, member: &str) -> &[String] {
        self.dependencies.get(member).map_or(&[], Vec::as_slice)
    }

    async fn start_here(mut self, engine: Engine) -> Result<Stack> {
        self.check()?;
        let network = Network::builder().create_on(&engine).await?;
        let mut waiting = std::mem::take(&mut self.members);
        let mut starting = FuturesUnordered::new();
        let mut started = HashMap::new();
        let mut failure = None;
        loop {
            if failure.is_none() {
                let (startable, still_waiting): (Vec<_>, Vec<_>) =
                    waiting.into_iter().partition(|(name, _)| {
                        self.after(name).iter().all(|d| started.contains_key(d))
                    });
                waiting = still_waiting;
                for (name, request) in startable {
                    let request = request.join_stack(&network, &name);
                    let start = Container::run(engine.clone(), request);
                    starting.push(async move { (name, start.await) });
                }
            }
            // Members under way finish even after a failure, so that what
            // they create is owned here and removed with the rest.
            match starting.next().await {
                None => break,
                Some((name, Ok(container))) => {
                    started.insert(name, container);
                }
                Some((member, Err(error))) => {
                    failure.get_or_insert(Error::StackMemberFailed {
                        member,
                        source: Box::new(error),
                    });
                }
            }
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(Stack {
                containers: started,
                network,
            }),
        }
    }

    /// Finds what would keep the stack from starting: a name given twice, a
    /// dependency it does not declare, a cycle.
    fn check(&self) -> Result<()> {
        let invalid = |member: &str, reason: String| Error::StackMember {
            member: member.to_string(),
            reason,
        };
        let mut names = HashSet::new();
        for (name, _) in &self.members {
            if !names.insert(name.as_str()) {
                return Err(invalid(name, "declared twice".to_string()));
            }
        }
        let mut dependents: Vec<&String> = self.dependencies.keys().collect();
        dependents.sort();
        for member in dependents {
            if !names.contains(member.as_str()) {
                return Err(invalid(
                    member,
                    "has dependencies but is not declared".into(),
                ));
            }
            if let Some(missing) = self
                .after(member)
                .iter()
                .find(|d| !names.contains(d.as_str()))
            {
                return Err(invalid(
                    member,
                    format!("depends on `{missing}`, which the stack does not declare"),
                ));
            }
        }
        // The start order on paper: what never becomes startable is in, or
        // behind, a cycle.
        let mut ready: HashSet<&str> = HashSet::new();
        while let Some((next, _)) = self.members.iter().find(|(name, _)| {
            !ready.contains(name.as_str())
                && self.after(name).iter().all(|d| ready.contains(d.as_str()))
        }) {
            ready.insert(next);
        }
        let stuck: Vec<&str> = (self.members.iter())
            .map(|(name, _)| name.as_str())
            .filter(|name| !ready.contains(name))
            .collect();
        match stuck.first() {
            None => Ok(()),
            Some(first) => Err(invalid(
                first,
                format!("a dependency cycle holds back {}", stuck.join(", ")),
            )),
        }
    }
}

/// Started containers on a network of their own; removed, containers then
/// network, when dropped.
///
/// ```no_run
/// use dockhand::{ContainerRequest, Stack, Wait};
///
/// # async fn demo() -> dockhand::Result<()> {
/// let stack = Stack::builder()
///     .member(
///         "db",
///         ContainerRequest::new("postgres:15")
///             .env("POSTGRES_PASSWORD", "test")
///             .wait_for(Wait::log("database system is ready to accept connections").times(2)),
///     )
///     .member(
///         "cache",
///         ContainerRequest::new("redis:7").wait_for(Wait::log("Ready to accept connections")),
///     )
///     .member(
///         "web",
///         ContainerRequest::new("nginx:1.22")
///             .expose(80)
///             .network_alias("www"),
///     )
///     .depends_on("web", ["db", "cache"])
///     .start()
///     .await?;
/// let web = stack.container("web")?;
/// let address = (web.host(), web.host_port(80)?);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Stack {
    // Dropped before the network, which waits for them to go.
    containers: HashMap<String, Container>,
    network: Network,
}

impl Stack {
    /// A request for a stack, to which members are added.
    pub fn builder() -> StackRequest {
        StackRequest::default()
    }

    /// The member `name`.
    pub fn container(&self, name: &str) -> Result<&Container> {
        self.containers.get(name).ok_or_else(|| {
            let mut members: Vec<&str> = self.containers.keys().map(String::as_str).collect();
            members.sort();
            Error::StackMember {
                member: name.to_string(),
                reason: format!("not in the stack, whose members are {}", members.join(", ")),
            }
        })
    }

    /// The stack's network, for other containers to join.
    pub fn network(&self) -> &Network {
        &self.network
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(stack: StackRequest, name: &str) -> StackRequest {
        stack.member(name, ContainerRequest::new("busybox:1.36"))
    }

    fn problem(stack: StackRequest) -> String {
        stack.check().unwrap_err().to_string()
    }

    #[test]
    fn a_sound_declaration_passes() {
        let stack = ["db", "cache", "web"]
            .into_iter()
            .fold(Stack::builder(), member)
            .depends_on("web", ["db", "cache"])
            .depends_on("cache", ["db"]);
        assert!(stack.check().is_ok());
    }

    #[test]
    fn declaration_errors_name_the_member() {
        let two = member(member(Stack::builder(), "db"), "web");
        assert_eq!(
            problem(member(two.clone(), "db")),
            "stack member `db`: declared twice"
        );
        assert_eq!(
            problem(two.clone().depends_on("web", ["dbb"])),
            "stack member `web`: depends on `dbb`, which the stack does not declare"
        );
        assert_eq!(
            problem(two.clone().depends_on("app", ["db"])),
            "stack member `app`: has dependencies but is not declared"
        );
        assert_eq!(
            problem(
                member(two, "proxy")
                    .depends_on("db", ["web"])
                    .depends_on("web", ["db"])
                    .depends_on("proxy", ["web"])
            ),
            "stack member `db`: a dependency cycle holds back db, web, proxy"
        );
    }
}
