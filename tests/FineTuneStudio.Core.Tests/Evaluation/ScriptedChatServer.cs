using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace FineTuneStudio.Core.Tests.Evaluation;

/// <summary>What the fake endpoint does with one request.</summary>
public abstract record FakeReply
{
    public static FakeReply Text(string text, int promptTokens = 11, int completionTokens = 3) => new Answer(text, promptTokens, completionTokens);

    public static FakeReply Status(int status) => new HttpStatus(status);

    /// <summary>Never answers (until the server is disposed): the caller's timeout must end it.</summary>
    public static FakeReply Hang { get; } = new Hanging();

    public sealed record Answer(string Content, int PromptTokens, int CompletionTokens) : FakeReply;

    public sealed record HttpStatus(int Code) : FakeReply;

    public sealed record Hanging : FakeReply;
}

/// <summary>
/// An OpenAI-compatible chat-completions endpoint on 127.0.0.1 whose answer per request a test
/// scripts from the last user message and the attempt number for that message. It counts requests
/// and the most requests it ever had in flight at once.
/// </summary>
public sealed class ScriptedChatServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<string, int, Task<FakeReply>> _script;
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<Task> _handlers = [];
    private int _inFlight;
    private int _maxInFlight;

    private ScriptedChatServer(Func<string, int, Task<FakeReply>> script, int port)
    {
        _script = script;
        BaseUrl = $"http://127.0.0.1:{port}/v1";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public string BaseUrl { get; }

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>How often each user message was asked, in total.</summary>
    public int RequestsFor(string userText)
    {
        lock (_attempts)
        {
            return _attempts.GetValueOrDefault(userText);
        }
    }

    public int TotalRequests
    {
        get
        {
            lock (_attempts)
            {
                return _attempts.Values.Sum();
            }
        }
    }

    /// <summary>Bodies as sent, to check what the client put in them.</summary>
    public List<string> Bodies { get; } = [];

    public static ScriptedChatServer Start(Func<string, int, FakeReply> script) => Start((text, attempt) => Task.FromResult(script(text, attempt)));

    public static ScriptedChatServer Start(Func<string, int, Task<FakeReply>> script)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new ScriptedChatServer(script, port);
    }

    private async Task AcceptAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            lock (_handlers)
            {
                _handlers.Add(Task.Run(() => HandleAsync(context)));
            }
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        do
        {
            seen = Volatile.Read(ref _maxInFlight);
        }
        while (now > seen && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen);

        try
        {
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            using var json = JsonDocument.Parse(body);
            var userText = json.RootElement.GetProperty("messages").EnumerateArray()
                .Last(m => m.GetProperty("role").GetString() == "user").GetProperty("content").ToString();
            int attempt;
            lock (_attempts)
            {
                Bodies.Add(body);
                attempt = _attempts.GetValueOrDefault(userText) + 1;
                _attempts[userText] = attempt;
            }

            var reply = await _script(userText, attempt);
            switch (reply)
            {
                case FakeReply.Answer answer:
                    await WriteAsync(context, 200, JsonSerializer.Serialize(new
                    {
                        id = "chatcmpl-1",
                        @object = "chat.completion",
                        created = 1_773_000_000,
                        model = "fake-model",
                        choices = new[] { new { index = 0, message = new { role = "assistant", content = answer.Content }, finish_reason = "stop" } },
                        usage = new { prompt_tokens = answer.PromptTokens, completion_tokens = answer.CompletionTokens, total_tokens = answer.PromptTokens + answer.CompletionTokens },
                    }));
                    break;
                case FakeReply.HttpStatus status:
                    await WriteAsync(context, status.Code, """{"error":{"message":"the fake server says no","type":"server_error"}}""");
                    break;
                default:
                    await Task.Delay(Timeout.Infinite, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                    context.Response.Abort();
                    break;
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // The client gave up (timeout, cancel) or the server is stopping.
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static async Task WriteAsync(HttpListenerContext context, int status, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        await _loop;
        Task[] handlers;
        lock (_handlers)
        {
            handlers = [.. _handlers];
        }

        await Task.WhenAll(handlers);
        _stop.Dispose();
    }
}
