//! Where a redis server is and how to log in: what the handle, the
//! readiness check and the per-test databases all connect with.

use ::redis::aio::MultiplexedConnection;
use ::redis::RedisResult;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::secret::Secret;

/// A redis server's address and password.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) password: Option<Secret>,
}

impl Server {
    /// `redis://[:password@]host:port/database`.
    pub(crate) fn url(&self, database: u32) -> String {
        let login = match &self.password {
            Some(password) => format!(
                ":{}@",
                utf8_percent_encode(password.reveal(), NON_ALPHANUMERIC)
            ),
            None => String::new(),
        };
        format!("redis://{login}{}:{}/{database}", self.host, self.port)
    }

    /// `host:port`, for errors.
    pub(crate) fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Connects to logical database `database` on dockhand's runtime, where
    /// the connection's task then lives, so that it works from any runtime.
    pub(crate) async fn connect(&self, database: u32) -> RedisResult<MultiplexedConnection> {
        let url = self.url(database);
        dockhand::runtime::run(async move {
            ::redis::Client::open(url)?
                .get_multiplexed_async_connection()
                .await
        })
        .await
    }

    /// Sends `PING`: whether the server takes clients, and if not, why.
    pub(crate) async fn ping(&self) -> RedisResult<()> {
        let mut connection = self.connect(0).await?;
        ::redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .map(drop)
    }
}
