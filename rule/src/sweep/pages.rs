//! A paged listing whose next page is fetched only after a deadline check,
//! and only when the last page said there is one.

use aws_smithy_async::future::pagination_stream::PaginationStream;

use crate::aws::{aws_error, SdkError};
use crate::{Deadline, Error};

/// One listing (DescribeDBClusters, …), page by page.
pub(crate) struct Pages<T, E> {
    stream: PaginationStream<Result<T, SdkError<E>>>,
    more: fn(&T) -> bool,
    done: bool,
    operation: &'static str,
    what: &'static str,
}

impl<T, E> Pages<T, E>
where
    E: aws_sdk_neptune::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    /// `more` tells from a page whether another follows (its marker);
    /// `operation` and `what` name the listing in errors.
    pub(crate) fn new(
        stream: PaginationStream<Result<T, SdkError<E>>>,
        more: fn(&T) -> bool,
        operation: &'static str,
        what: &'static str,
    ) -> Self {
        Self {
            stream,
            more,
            done: false,
            operation,
            what,
        }
    }

    /// The next page, or `None` at the end. A page that cannot be fetched
    /// ends the listing with the error.
    pub(crate) async fn next(&mut self, deadline: &Deadline) -> Result<Option<T>, Error> {
        if self.done {
            return Ok(None);
        }
        let phase = format!("listing {}", self.what);
        deadline.check(&phase)?;
        let page = deadline.bound(&phase, self.stream.next()).await;
        match page {
            Ok(Some(Ok(page))) => {
                self.done = !(self.more)(&page);
                Ok(Some(page))
            }
            other => {
                self.done = true;
                match other {
                    Ok(Some(Err(error))) => {
                        Err(aws_error(self.operation, "engine neptune", &error))
                    }
                    Err(error) => Err(error),
                    _ => Ok(None),
                }
            }
        }
    }
}
