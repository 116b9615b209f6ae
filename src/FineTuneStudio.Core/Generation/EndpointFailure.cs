using System.ClientModel;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.RegularExpressions;

namespace FineTuneStudio.Core.Generation;

/// <summary>
/// What went wrong calling an endpoint, in words stored with a run and read by people who must not learn
/// where the endpoint lives: the endpoint's configured name, never its host, port or URL. The exception
/// itself, with the address, goes to the log.
/// </summary>
public static partial class EndpointFailure
{
    public const int MaxLength = 500;

    /// <summary>No HTTP answer at all: refused, unknown host, broken TLS, dropped connection.</summary>
    public static string NoConnection(string endpoint, Exception exception)
    {
        var socket = Find<SocketException>(exception)?.SocketErrorCode;
        var request = Find<HttpRequestException>(exception)?.HttpRequestError;
        return socket switch
        {
            SocketError.ConnectionRefused => $"the endpoint '{endpoint}' refused the connection",
            SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"the endpoint '{endpoint}' could not be found: its host name does not resolve",
            SocketError.TimedOut => $"the endpoint '{endpoint}' did not accept the connection in time",
            SocketError.ConnectionReset or SocketError.ConnectionAborted => $"the endpoint '{endpoint}' dropped the connection",
            _ when Find<AuthenticationException>(exception) is not null || request == HttpRequestError.SecureConnectionError =>
                $"the endpoint '{endpoint}' failed the secure connection (check its certificate and https settings)",
            _ when request == HttpRequestError.NameResolutionError => $"the endpoint '{endpoint}' could not be found: its host name does not resolve",
            _ when request is HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse => $"the endpoint '{endpoint}' dropped the connection",
            _ => $"could not connect to the endpoint '{endpoint}'",
        };
    }

    /// <summary>An HTTP error answer: its status and the server's message, with anything that looks like an address removed.</summary>
    public static string HttpError(ClientResultException exception, string? baseUrl)
    {
        var text = WithoutAddresses(exception.Message, baseUrl);
        text = text.StartsWith("HTTP ", StringComparison.Ordinal) ? text : $"HTTP {exception.Status}: {text}";
        return text.Length > MaxLength ? text[..(MaxLength - 3)] + "..." : text;
    }

    /// <summary>Replaces URLs, IP addresses, host:port pairs and the endpoint's own host name with "[address]".</summary>
    public static string WithoutAddresses(string message, string? baseUrl)
    {
        var text = Address().Replace(message.ReplaceLineEndings(" "), "[address]");
        if (Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
        {
            text = text.Replace(uri.Host, "[address]", StringComparison.OrdinalIgnoreCase);
        }

        return text;
    }

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    // A URL; an IPv4 address with or without a port; a bracketed IPv6 address; a host name with a port.
    [GeneratedRegex(@"\b[a-z][a-z0-9+.-]*://\S+|\b\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?\b|\[[0-9a-f:]+\](:\d{1,5})?|\b[a-z0-9-]+(\.[a-z0-9-]+)*:\d{2,5}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Address();
}
