//! A paged call whose next page is fetched within the deadline, and only
//! when the last page said there is one.

use aws_smithy_async::future::pagination_stream::PaginationStream;

use crate::aws::{failed, ProvideErrorMetadata, SdkError};
use crate::{Deadline, Error};

/// One paged call (DescribeDBClusters, …), page by page.
pub(crate) struct Pages<T, E> {
    stream: PaginationStream<Result<T, SdkError<E>>>,
    more: fn(&T) -> bool,
    done: bool,
    operation: &'static str,
    target: String,
    phase: String,
}

impl<T, E> Pages<T, E>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    /// `more` tells from a page whether another follows (its marker or
    /// token); `operation` and `target` name the call in errors, `phase` in
    /// a deadline error.
    pub(crate) fn new(
        stream: PaginationStream<Result<T, SdkError<E>>>,
        more: fn(&T) -> bool,
        operation: &'static str,
        target: impl Into<String>,
        phase: impl Into<String>,
    ) -> Self {
        Self {
            stream,
            more,
            done: false,
            operation,
            target: target.into(),
            phase: phase.into(),
        }
    }

    /// The next page, or `None` at the end. A page that cannot be fetched
    /// ends the listing with the error.
    pub(crate) async fn next(&mut self, deadline: &Deadline) -> Result<Option<T>, Error> {
        if self.done {
            return Ok(None);
        }
        let page = deadline.bound(&self.phase, self.stream.next()).await;
        match page {
            Ok(Some(Ok(page))) => {
                self.done = !(self.more)(&page);
                Ok(Some(page))
            }
            other => {
                self.done = true;
                match other {
                    Ok(Some(Err(error))) => Err(failed(self.operation, &*self.target, &error)),
                    Err(error) => Err(error),
                    _ => Ok(None),
                }
            }
        }
    }
}
