using System.ClientModel;
using Microsoft.Extensions.AI;

namespace FineTuneStudio.Core.Generation;

/// <summary>How hard to try one request: retries after the first attempt, the first retry's wait (doubling after), and the per-attempt timeout.</summary>
public sealed record EndpointRetry(int MaxRetries, int RetryDelayMilliseconds, TimeSpan Timeout);

/// <summary>One answer, or the last error in words without the endpoint's address.</summary>
public sealed record EndpointAnswer(string? Text, string? Error, int? LatencyMs, int? PromptTokens, int? CompletionTokens)
{
    /// <summary>The last exception, for the log only.</summary>
    public Exception? Failure { get; init; }
}

/// <summary>
/// Asks an OpenAI-compatible endpoint once, retrying on 429, 5xx, timeouts and dropped connections; shared by
/// generated eval runs and judge runs, which each keep their own results.
/// </summary>
public static class EndpointAsk
{
    public static async Task<EndpointAnswer> AskAsync(IChatClient client, IList<ChatMessage> messages, ChatOptions options, EndpointRetry retry,
        string endpointName, string? baseUrl, TimeProvider clock, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            string error;
            bool retryable;
            Exception? failure = null;
            using var perRequest = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            perRequest.CancelAfter(retry.Timeout);
            var started = clock.GetTimestamp();
            try
            {
                var response = await client.GetResponseAsync(messages, options, perRequest.Token);
                var latency = (int)Math.Round(clock.GetElapsedTime(started).TotalMilliseconds);
                return new EndpointAnswer(response.Text, null, latency, ToInt(response.Usage?.InputTokenCount), ToInt(response.Usage?.OutputTokenCount));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                (error, retryable) = ($"no answer within {retry.Timeout.TotalSeconds:0.#} s", true);
            }
            catch (ClientResultException e)
            {
                // Status 0: no HTTP answer at all (refused or dropped connection).
                error = e.Status == 0 ? EndpointFailure.NoConnection(endpointName, e) : EndpointFailure.HttpError(e, baseUrl);
                retryable = e.Status is 0 or 408 or 429 or >= 500;
                failure = e;
            }
            catch (HttpRequestException e)
            {
                (error, retryable, failure) = (EndpointFailure.NoConnection(endpointName, e), true, e);
            }

            if (!retryable || attempt >= retry.MaxRetries)
            {
                var tries = attempt + 1;
                return new EndpointAnswer(null, tries == 1 ? error : $"{error} (after {tries} attempts)", null, null, null) { Failure = failure };
            }

            var delay = TimeSpan.FromMilliseconds(Math.Max(0, retry.RetryDelayMilliseconds) * Math.Pow(2, attempt));
            await Task.Delay(delay, cancellationToken);
        }
    }

    private static int? ToInt(long? value) => value is { } v ? (int)Math.Min(v, int.MaxValue) : null;
}
