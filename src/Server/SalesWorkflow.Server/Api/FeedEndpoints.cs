using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SalesWorkflow.Engine.Runtime;
using SalesWorkflow.Server.Accounts;
using SalesWorkflow.Server.Security;

namespace SalesWorkflow.Server.Api;

/// <summary>
/// The event log as a feed: pages after a cursor, and the same live as server-sent events. The cursor is the log
/// sequence, read through the engine's tailing reader, so a reader that resumes after its last cursor gets every
/// event it may see exactly once, in log order, even when several nodes commit at once. Events of deals the caller may
/// not see are skipped (the cursor still moves past them).
/// </summary>
internal static class FeedEndpoints
{
    private const int MaximumPage = 1000;

    public static void Map(RouteGroupBuilder api)
    {
        var events = api.MapGroup("/events").WithTags("Events");
        events.MapGet("/", Page).RequireAuthorization(ApiScopes.EventsRead).WithName("ReadEvents")
            .WithSummary("A page of the event log after a cursor (0: from the start), with the next cursor.")
            .Produces<FeedPage>();
        events.MapGet("/stream", Stream).RequireAuthorization(ApiScopes.EventsRead).WithName("StreamEvents")
            .WithSummary("The event log live, as server-sent events (event: deal-event, id: the sequence). Resumes after Last-Event-ID or ?after=.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
    }

    private static async Task<IResult> Page(HttpContext http, ISalesWorkflowEngine engine, long? after, int? limit)
    {
        if (after < 0)
        {
            return ApiProblems.Invalid("after is a sequence number, 0 or more.");
        }

        var visibility = new FeedVisibility(Caller.Of(http), engine);
        var (events, next) = await ReadVisibleAsync(engine, visibility, after ?? 0, Math.Clamp(limit ?? 100, 1, MaximumPage), http.RequestAborted);
        return TypedResults.Ok(new FeedPage(events, next));
    }

    private static IResult Stream(HttpContext http, ISalesWorkflowEngine engine, TimeProvider clock, long? after)
    {
        var cursor = after ?? 0;
        if (http.Request.Headers.TryGetValue("Last-Event-ID", out var lastId) && long.TryParse(lastId.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var resumed))
        {
            cursor = resumed;
        }

        if (cursor < 0)
        {
            return ApiProblems.Invalid("after is a sequence number, 0 or more.");
        }

        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.ServerSentEvents(Live(engine, new FeedVisibility(Caller.Of(http), engine), cursor, clock, http.RequestAborted));
    }

    private static async IAsyncEnumerable<SseItem<FeedEvent>> Live(ISalesWorkflowEngine engine, FeedVisibility visibility, long cursor, TimeProvider clock, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var idle = TimeSpan.FromMilliseconds(250);
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<FeedEvent> events;
            try
            {
                (events, cursor) = await ReadVisibleAsync(engine, visibility, cursor, MaximumPage, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }

            foreach (var e in events)
            {
                yield return new SseItem<FeedEvent>(e, "deal-event") { EventId = e.Sequence.ToString(CultureInfo.InvariantCulture) };
            }

            if (events.Count == 0)
            {
                try
                {
                    await Task.Delay(idle, clock, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
            }
        }
    }

    private static async Task<(IReadOnlyList<FeedEvent> Events, long Next)> ReadVisibleAsync(ISalesWorkflowEngine engine, FeedVisibility visibility, long after, int limit, CancellationToken cancellationToken)
    {
        var read = await engine.ReadEventsWithoutEvaluationsAsync(after, limit, cancellationToken);
        var visible = new List<FeedEvent>(read.Count);
        foreach (var e in read)
        {
            if (await visibility.SeesAsync(e.DealId, cancellationToken))
            {
                visible.Add(FeedEvent.From(e));
            }
        }

        return (visible, read.Count > 0 ? read[^1].Sequence : after);
    }

    /// <summary>Whether the caller sees a deal's events: every deal for a director, else by the deal's current owner and team, looked up once per deal and feed request.</summary>
    private sealed class FeedVisibility(Caller caller, ISalesWorkflowEngine engine)
    {
        private const int MaximumRemembered = 10_000;
        private readonly Dictionary<string, bool> _seen = new(StringComparer.Ordinal);

        public async ValueTask<bool> SeesAsync(string dealId, CancellationToken cancellationToken)
        {
            if (caller.View == DealView.All)
            {
                return true;
            }

            if (_seen.TryGetValue(dealId, out var sees))
            {
                return sees;
            }

            var deal = await engine.GetDealAsync(dealId, cancellationToken);
            sees = deal is not null && caller.Sees(deal.Owner.Id, deal.Owner.Team);
            if (_seen.Count >= MaximumRemembered)
            {
                _seen.Clear();
            }

            _seen[dealId] = sees;
            return sees;
        }
    }
}
