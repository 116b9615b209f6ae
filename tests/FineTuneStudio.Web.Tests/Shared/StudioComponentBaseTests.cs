using System.Text.RegularExpressions;
using Bunit;
using FineTuneStudio.Core;
using FineTuneStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Web.Tests.Shared;

/// <summary>The base component's error helper: what a user is shown and what the log keeps.</summary>
public sealed partial class StudioComponentBaseTests
{
    [Fact]
    public async Task TryAsync_UnexpectedException_IsLoggedWithAnIdThatTheMessageRepeats()
    {
        var (ctx, logs) = NewContext();
        await using var _ = ctx;
        var page = ctx.Render<ThrowingComponent>(p => p.Add(x => x.Failure, new InvalidOperationException("disk on fire")));

        await page.Find("button").ClickAsync(new MouseEventArgs());

        var entry = logs.Entries.ShouldHaveSingleItem();
        entry.Level.ShouldBe(LogLevel.Error);
        entry.Exception.ShouldBeOfType<InvalidOperationException>();
        entry.Category.ShouldEndWith(nameof(ThrowingComponent));
        var id = entry.State.Single(kv => kv.Key == "ErrorId").Value.ShouldBeOfType<string>();
        HexId().IsMatch(id).ShouldBeTrue(id);
        var shown = page.Find("[data-testid=error]").TextContent;
        shown.ShouldBe($"Something went wrong; the error was logged with id {id}.");
        shown.ShouldNotContain("disk on fire");
    }

    [Fact]
    public async Task TryAsync_ValidationException_ShowsItsErrorsAndLogsNothing()
    {
        var (ctx, logs) = NewContext();
        await using var _ = ctx;
        var page = ctx.Render<ThrowingComponent>(p => p.Add(x => x.Failure, new StudioValidationException("name", "is required")));

        await page.Find("button").ClickAsync(new MouseEventArgs());

        logs.Entries.ShouldBeEmpty();
        page.Find("[data-testid=error]").TextContent.ShouldBe(ErrorText.From(new StudioValidationException("name", "is required")).Errors.Single());
    }

    [Fact]
    public async Task ComponentToken_ComponentDisposed_IsCancelled()
    {
        var (ctx, _) = NewContext();
        var page = ctx.Render<ThrowingComponent>(p => p.Add(x => x.Failure, new InvalidOperationException()));
        var token = page.Instance.Token;
        token.IsCancellationRequested.ShouldBeFalse();

        await ctx.DisposeAsync();

        token.IsCancellationRequested.ShouldBeTrue();
    }

    private static (BunitContext, RecordingLoggerProvider) NewContext()
    {
        var ctx = new BunitContext();
        var logs = new RecordingLoggerProvider();
        ctx.Services.AddSingleton<ILoggerFactory>(new LoggerFactory([logs]));
        return (ctx, logs);
    }

    [GeneratedRegex("^[0-9a-f]{8}$")]
    private static partial Regex HexId();

    /// <summary>A component whose one button fails the way it is told to.</summary>
    private sealed class ThrowingComponent : StudioComponentBase
    {
        private IReadOnlyList<string> _errors = [];

        [Parameter] public Exception Failure { get; set; } = new InvalidOperationException();

        public CancellationToken Token => ComponentToken;

        protected override void BuildRenderTree(RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "button");
            builder.AddAttribute(1, "onclick", EventCallback.Factory.Create<MouseEventArgs>(this, RunAsync));
            builder.CloseElement();
            foreach (var error in _errors)
            {
                builder.OpenElement(2, "div");
                builder.AddAttribute(3, "data-testid", "error");
                builder.AddContent(4, error);
                builder.CloseElement();
            }
        }

        private async Task RunAsync() => (_errors, _) = await TryAsync(() => throw Failure);
    }

    private sealed record LogEntry(string Category, LogLevel Level, Exception? Exception, IReadOnlyList<KeyValuePair<string, object?>> State);

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        public List<LogEntry> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Recorder(string category, List<LogEntry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            // The renderer's own debug chatter is not what these tests are about.
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    entries.Add(new LogEntry(category, logLevel, exception, state as IReadOnlyList<KeyValuePair<string, object?>> ?? []));
                }
            }
        }
    }
}
