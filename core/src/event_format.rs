//! The kinds of HTTP event a goblet function is invoked with, named once for
//! the runtime (which parses them and shapes its reply), `goblet local`
//! (which builds them), the CLI (`--format`) and the tests.

use std::fmt;

/// Which kind of event a request arrives as, and so which shape its reply
/// takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventFormat {
    /// API Gateway REST API, proxy integration, payload format 1.0.
    RestV1,
    /// API Gateway HTTP API, payload format 2.0.
    HttpV2,
    /// Application Load Balancer target group (multi-value headers on or
    /// off is the target group's setting, carried by the event itself).
    Alb,
    /// Lambda function URL (payload format 2.0 shape).
    FunctionUrl,
}

impl EventFormat {
    /// Payload format 2.0: HTTP APIs and function URLs.
    pub const fn is_v2(self) -> bool {
        matches!(self, EventFormat::HttpV2 | EventFormat::FunctionUrl)
    }

    /// What a person reads: `REST API, payload format 1.0`.
    pub const fn describe(self) -> &'static str {
        match self {
            EventFormat::RestV1 => "REST API, payload format 1.0",
            EventFormat::HttpV2 => "HTTP API, payload format 2.0",
            EventFormat::Alb => "Application Load Balancer",
            EventFormat::FunctionUrl => "function URL, payload format 2.0",
        }
    }
}

impl fmt::Display for EventFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::EventFormat;

    #[test]
    fn payload_versions() {
        let v2: Vec<bool> = [
            EventFormat::RestV1,
            EventFormat::HttpV2,
            EventFormat::Alb,
            EventFormat::FunctionUrl,
        ]
        .map(EventFormat::is_v2)
        .to_vec();
        assert_eq!(v2, [false, true, false, true]);
        assert_eq!(
            EventFormat::HttpV2.to_string(),
            "HTTP API, payload format 2.0"
        );
    }
}
