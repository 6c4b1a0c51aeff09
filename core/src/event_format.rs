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

/// The shape of an event and so of its reply: the format, and for ALB
/// whether the target group has multi-value headers on (the request then
/// carries `multiValueHeaders`, and the reply must too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventShape {
    pub format: EventFormat,
    pub multi_value_headers: bool,
}

impl EventShape {
    pub const REST_V1: EventShape = EventShape::of(EventFormat::RestV1);
    pub const HTTP_V2: EventShape = EventShape::of(EventFormat::HttpV2);
    pub const ALB: EventShape = EventShape::of(EventFormat::Alb);
    pub const ALB_MULTI_VALUE: EventShape = EventShape {
        format: EventFormat::Alb,
        multi_value_headers: true,
    };
    pub const FUNCTION_URL: EventShape = EventShape::of(EventFormat::FunctionUrl);
    /// Every shape a goblet function answers.
    pub const ALL: [EventShape; 5] = [
        EventShape::REST_V1,
        EventShape::HTTP_V2,
        EventShape::ALB,
        EventShape::ALB_MULTI_VALUE,
        EventShape::FUNCTION_URL,
    ];

    /// `format` with single-value headers.
    pub const fn of(format: EventFormat) -> EventShape {
        EventShape {
            format,
            multi_value_headers: false,
        }
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
