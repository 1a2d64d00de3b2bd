//! Reading a container's logs.

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use futures_util::StreamExt;

use crate::engine::Engine;

/// How many log lines an error about a container shows.
pub(crate) const ERROR_TAIL_LINES: usize = 20;

/// The last `lines` lines of stdout and stderr, interleaved as written.
pub(crate) async fn tail(engine: &Engine, container: &str, lines: usize) -> String {
    let options = LogsOptionsBuilder::default()
        .stdout(true)
        .stderr(true)
        .tail(&lines.to_string())
        .build();
    let mut stream = engine.docker().logs(container, Some(options));
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(LogOutput::StdOut { message } | LogOutput::StdErr { message }) => {
                text.push_str(&String::from_utf8_lossy(&message));
            }
            Ok(_) => {}
            Err(error) => {
                text.push_str(&format!("(logs unavailable: {error})"));
                break;
            }
        }
    }
    if text.is_empty() {
        "(no output)".to_string()
    } else {
        text
    }
}
