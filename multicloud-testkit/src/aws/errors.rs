//! AWS error responses, in each protocol's real shape, with the real codes and statuses.
//!
//! - EC2: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`
//! - query (STS, IAM, RDS, ELBv2): `<ErrorResponse><Error><Type/><Code/><Message/></Error>
//!   <RequestId/></ErrorResponse>`
//! - S3: `<Error><Code/><Message/><RequestId/><HostId/></Error>` plus `x-amz-request-id`
//! - JSON 1.1 (tagging): `{"__type": "Code", "message": "…"}` plus `x-amzn-RequestId`

use crate::render::Xml;
use crate::sim::SimResponse;

use super::route::Service;

/// One AWS error: status, code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AwsError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl AwsError {
    pub(crate) fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        AwsError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// Renders the error in `service`'s protocol.
    pub(crate) fn render(&self, service: Service, request_id: &str) -> SimResponse {
        match service {
            Service::Ec2 => {
                let mut x = Xml::new();
                x.open("Response").open("Errors").open("Error");
                x.leaf("Code", &self.code).leaf("Message", &self.message);
                x.close("Error").close("Errors");
                x.leaf("RequestID", request_id).close("Response");
                SimResponse::xml(self.status, x.finish())
            }
            Service::S3 => {
                let mut x = Xml::new();
                x.open("Error").leaf("Code", &self.code);
                x.leaf("Message", &self.message)
                    .leaf("RequestId", request_id);
                x.leaf("HostId", format!("mc/{request_id}")).close("Error");
                SimResponse::xml(self.status, x.finish())
                    .with_header("x-amz-request-id", request_id)
                    .with_header("Content-Type", "application/xml")
            }
            Service::Tagging => {
                let body = serde_json::json!({"__type": self.code, "message": self.message});
                let mut r = SimResponse::json(self.status, &body);
                r.headers = vec![
                    ("Content-Type".into(), "application/x-amz-json-1.1".into()),
                    ("x-amzn-RequestId".into(), request_id.into()),
                ];
                r
            }
            Service::Sqs => {
                // awsJson1.0 with the legacy query code alongside (awsQueryCompatible).
                let (json_code, query_code) = match self.code.as_str() {
                    "QueueDoesNotExist" => (
                        "QueueDoesNotExist",
                        "AWS.SimpleQueueService.NonExistentQueue",
                    ),
                    "AccessDenied" => ("AccessDeniedException", "AccessDenied"),
                    other => (other, other),
                };
                let fault = if self.status >= 500 {
                    "Receiver"
                } else {
                    "Sender"
                };
                let body = serde_json::json!({
                    "__type": format!("com.amazonaws.sqs#{json_code}"),
                    "message": self.message,
                });
                let mut r = SimResponse::json(self.status, &body);
                r.headers = vec![
                    ("Content-Type".into(), "application/x-amz-json-1.0".into()),
                    ("x-amzn-RequestId".into(), request_id.into()),
                    ("x-amzn-query-error".into(), format!("{query_code};{fault}")),
                ];
                r
            }
            Service::Sts | Service::Iam | Service::Rds | Service::Elb => {
                let kind = if self.status >= 500 {
                    "Receiver"
                } else {
                    "Sender"
                };
                let mut x = Xml::new();
                x.open_ns("ErrorResponse", service.xmlns()).open("Error");
                x.leaf("Type", kind).leaf("Code", &self.code);
                x.leaf("Message", &self.message).close("Error");
                x.leaf("RequestId", request_id).close("ErrorResponse");
                SimResponse::xml(self.status, x.finish())
                    .with_header("x-amzn-RequestId", request_id)
            }
        }
    }
}

/// The access key id is unknown here (wrong partition, deleted, deactivated, or a region
/// the account has not opted in to — AWS answers all of these alike).
pub(crate) fn unknown_key(service: Service) -> AwsError {
    match service {
        Service::Ec2 => AwsError::new(
            401,
            "AuthFailure",
            "AWS was not able to validate the provided access credentials",
        ),
        Service::S3 => AwsError::new(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        ),
        Service::Tagging => AwsError::new(
            400,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        _ => AwsError::new(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ),
    }
}

/// The signature does not match the one computed with the key's secret.
pub(crate) fn bad_signature(service: Service) -> AwsError {
    let msg = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
    match service {
        Service::S3 => AwsError::new(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."),
        Service::Tagging => AwsError::new(400, "InvalidSignatureException", msg),
        _ => AwsError::new(403, "SignatureDoesNotMatch", msg),
    }
}

/// The request carries no SigV4 authorization.
pub(crate) fn missing_auth(service: Service) -> AwsError {
    match service {
        Service::S3 => AwsError::new(403, "AccessDenied", "Access Denied"),
        Service::Tagging => AwsError::new(
            400,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ),
        _ => AwsError::new(
            403,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
        ),
    }
}

/// The Authorization header is malformed.
pub(crate) fn malformed_auth(service: Service, detail: &str) -> AwsError {
    match service {
        Service::S3 => AwsError::new(
            400,
            "AuthorizationHeaderMalformed",
            format!("The authorization header is malformed; {detail}"),
        ),
        _ => AwsError::new(
            400,
            "IncompleteSignature",
            format!("Authorization header requires {detail}"),
        ),
    }
}

/// The signed time is more than 15 minutes from the server clock.
/// `signed`, `now` are `YYYYMMDDTHHMMSSZ`; `edge` is `now ∓ 15 min` in the same form.
pub(crate) fn clock_skew(
    service: Service,
    signed: &str,
    edge: &str,
    now: &str,
    late: bool,
) -> AwsError {
    let expired = if late {
        format!("Signature expired: {signed} is now earlier than {edge} ({now} - 15 min.)")
    } else {
        format!("Signature not yet current: {signed} is still later than {edge} ({now} + 15 min.)")
    };
    match service {
        Service::Ec2 => AwsError::new(400, "RequestExpired", "Request has expired."),
        Service::S3 => AwsError::new(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
        ),
        Service::Tagging => AwsError::new(400, "InvalidSignatureException", expired),
        _ => AwsError::new(403, "SignatureDoesNotMatch", expired),
    }
}

/// The key's policy does not grant `action` (e.g. `ec2:DescribeInstances`).
pub(crate) fn denied(service: Service, arn: &str, action: &str) -> AwsError {
    let msg = format!(
        "User: {arn} is not authorized to perform: {action} because no identity-based policy allows the {action} action"
    );
    match service {
        Service::Ec2 => AwsError::new(
            403,
            "UnauthorizedOperation",
            format!("You are not authorized to perform this operation. {msg}"),
        ),
        Service::S3 => AwsError::new(403, "AccessDenied", "Access Denied"),
        Service::Tagging => AwsError::new(400, "AccessDeniedException", msg),
        _ => AwsError::new(403, "AccessDenied", msg),
    }
}

/// The provider's throttling error.
pub(crate) fn throttled(service: Service) -> AwsError {
    match service {
        Service::Ec2 => AwsError::new(503, "RequestLimitExceeded", "Request limit exceeded."),
        Service::S3 => AwsError::new(503, "SlowDown", "Please reduce your request rate."),
        Service::Tagging => AwsError::new(400, "ThrottledException", "Rate exceeded"),
        Service::Sqs => AwsError::new(400, "RequestThrottled", "Rate exceeded"),
        _ => AwsError::new(400, "Throttling", "Rate exceeded"),
    }
}

/// The provider's internal error.
pub(crate) fn internal(service: Service) -> AwsError {
    match service {
        Service::Ec2 => AwsError::new(500, "InternalError", "An internal error has occurred"),
        Service::S3 => AwsError::new(
            500,
            "InternalError",
            "We encountered an internal error. Please try again.",
        ),
        Service::Iam => AwsError::new(
            500,
            "ServiceFailure",
            "The request processing has failed because of an unknown error, exception or failure.",
        ),
        Service::Tagging => AwsError::new(
            500,
            "InternalServiceException",
            "The request processing has failed because of an unknown error, exception or failure.",
        ),
        _ => AwsError::new(
            500,
            "InternalFailure",
            "The request processing has failed because of an unknown error, exception or failure.",
        ),
    }
}

/// An action the service does not have (or this simulator does not implement).
pub(crate) fn unknown_action(service: Service, action: &str) -> AwsError {
    match service {
        Service::S3 => AwsError::new(
            501,
            "NotImplemented",
            "A header you provided implies functionality that is not implemented",
        ),
        Service::Tagging => AwsError::new(
            400,
            "UnknownOperationException",
            format!("Unknown operation {action}"),
        ),
        Service::Ec2 => AwsError::new(
            400,
            "InvalidAction",
            format!("The action {action} is not valid for this web service."),
        ),
        _ => AwsError::new(
            400,
            "InvalidAction",
            format!("Could not find operation {action} for version NO_VERSION_SPECIFIED"),
        ),
    }
}

/// A parameter value outside its allowed range.
pub(crate) fn invalid_value(service: Service, message: impl Into<String>) -> AwsError {
    match service {
        Service::S3 => AwsError::new(400, "InvalidArgument", message),
        Service::Tagging => AwsError::new(400, "InvalidParameterException", message),
        Service::Ec2 => AwsError::new(400, "InvalidParameterValue", message),
        _ => AwsError::new(400, "InvalidParameterValue", message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_errors_use_response_errors_and_request_id_caps() {
        let r = unknown_key(Service::Ec2).render(Service::Ec2, "rid-1");
        assert_eq!(r.status, 401);
        let body = r.body_text();
        assert!(body.contains("<Response><Errors><Error><Code>AuthFailure</Code>"));
        assert!(body.contains("<RequestID>rid-1</RequestID>"));
    }

    #[test]
    fn query_errors_have_type_and_namespace() {
        let r = unknown_key(Service::Sts).render(Service::Sts, "rid-2");
        assert_eq!(r.status, 403);
        let body = r.body_text();
        assert!(body.contains("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"));
        assert!(body.contains("<RequestId>rid-2</RequestId>"));
        let r = internal(Service::Rds).render(Service::Rds, "x");
        assert!(r.body_text().contains("<Type>Receiver</Type>"));
    }

    #[test]
    fn s3_and_json_shapes() {
        let r = throttled(Service::S3).render(Service::S3, "rid-3");
        assert_eq!(r.status, 503);
        assert!(r.body_text().contains("<Error><Code>SlowDown</Code>"));
        let r = denied(Service::Tagging, "arn", "tag:GetResources").render(Service::Tagging, "r");
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["__type"], "AccessDeniedException");
    }
}
