using FineTuneStudio.Core;
using FineTuneStudio.Core.Imports;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace FineTuneStudio.Web.Api;

/// <summary>
/// Every file the API takes in (imports, eval items and runs, training metrics, traffic logs, validation) is
/// read here, so one limit holds for all of them: <c>Studio:Imports:MaxUploadBytes</c>, as it stands at each request.
/// The file is streamed to a temporary file (deleted on dispose), never held in memory, and reading stops as
/// soon as it passes the limit: the caller gets a 413 problem saying so.
/// </summary>
internal static class Uploads
{
    /// <summary>Room for the multipart envelope and the form fields on top of the file itself.</summary>
    private const long EnvelopeBytes = 64 * 1024;

    /// <summary>
    /// A multipart form with one file in a part named "file" and any small text fields; where a file comes in two
    /// (Bedrock's training and validation metrics), the other in a part named <paramref name="secondFilePart"/>, under the same limit.
    /// </summary>
    public static async Task<Upload> ReadFormAsync(HttpContext http, IOptionsMonitor<UploadLimitOptions> limits, CancellationToken ct, string? secondFilePart = null)
    {
        var limit = Allow(http, limits.CurrentValue.MaxUploadBytes, EnvelopeBytes);
        if (!IsMultipart(http.Request, out var boundary))
        {
            throw new StudioValidationException("file", "send the file as multipart/form-data with a part named 'file'");
        }

        var upload = new Upload();
        try
        {
            var reader = new MultipartReader(boundary, http.Request.Body);
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.IsFileDisposition() && secondFilePart is not null && name.Equals(secondFilePart, StringComparison.OrdinalIgnoreCase))
                {
                    if (upload.Second is not null)
                    {
                        throw new StudioValidationException(secondFilePart, $"send at most one file in the part named '{secondFilePart}'");
                    }

                    upload.Second = new Upload();
                    await upload.Second.SaveFileAsync(section.Body, FileNameOf(disposition), limit, ct);
                }
                else if (disposition.IsFileDisposition())
                {
                    if (!name.Equals("file", StringComparison.OrdinalIgnoreCase) || upload.HasFile)
                    {
                        throw new StudioValidationException("file", "send exactly one file, in a part named 'file'");
                    }

                    await upload.SaveFileAsync(section.Body, FileNameOf(disposition), limit, ct);
                }
                else if (disposition.IsFormDisposition())
                {
                    using var text = new StreamReader(section.Body);
                    upload.Fields[name] = await text.ReadToEndAsync(ct);
                }
            }

            if (!upload.HasFile)
            {
                throw new StudioValidationException("file", "no file was sent; add the file in a part named 'file'");
            }
        }
        catch (Exception e)
        {
            await upload.DisposeAsync();
            throw Translate(e, limit, ct);
        }

        upload.File.Position = 0;
        if (upload.Second is { } other)
        {
            other.File.Position = 0;
        }

        return upload;
    }

    /// <summary>The name the client gave a part's file, without any folder.</summary>
    private static string FileNameOf(ContentDispositionHeaderValue disposition) =>
        Path.GetFileName(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "");

    /// <summary>A multipart form as above, or else the request body itself is the file.</summary>
    public static async Task<Upload> ReadFormOrBodyAsync(HttpContext http, IOptionsMonitor<UploadLimitOptions> limits, CancellationToken ct)
    {
        if (IsMultipart(http.Request, out _))
        {
            return await ReadFormAsync(http, limits, ct);
        }

        var limit = Allow(http, limits.CurrentValue.MaxUploadBytes, 0);
        var upload = new Upload();
        try
        {
            await upload.SaveFileAsync(http.Request.Body, "", limit, ct);
        }
        catch (Exception e)
        {
            await upload.DisposeAsync();
            throw Translate(e, limit, ct);
        }

        upload.File.Position = 0;
        return upload;
    }

    /// <summary>Refuses a body announced too large before reading it and lets Kestrel stop one that turns out so.</summary>
    private static long Allow(HttpContext http, long limit, long envelope)
    {
        if (http.Request.ContentLength > limit + envelope)
        {
            throw TooLarge(limit);
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit + envelope;
        }

        return limit;
    }

    private static bool IsMultipart(HttpRequest request, out string boundary)
    {
        boundary = "";
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } value)
        {
            return false;
        }

        boundary = value;
        return true;
    }

    private static Exception Translate(Exception e, long limit, CancellationToken ct) => e switch
    {
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => TooLarge(limit),
        IOException when !ct.IsCancellationRequested => new StudioValidationException("file", "the upload was cut off before it was complete; send it again"),
        _ => e,
    };

    /// <summary>Answered by the exception handler as a 413 problem with this text.</summary>
    public static BadHttpRequestException TooLarge(long limit)
    {
        var message = ImportSettings.TooLargeMessage(limit);
        return new BadHttpRequestException(char.ToUpperInvariant(message[0]) + message[1..] + ".", StatusCodes.Status413PayloadTooLarge);
    }
}

/// <summary>A received file on disk (deleted on dispose) and the form's text fields.</summary>
internal sealed class Upload : IAsyncDisposable
{
    private FileStream? _file;

    public Dictionary<string, string> Fields { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The name the client gave the file, without any folder; for format detection and default names only.</summary>
    public string FileName { get; private set; } = "";

    public bool HasFile => _file is not null;

    public FileStream File => _file ?? throw new InvalidOperationException("no file");

    public string? Field(string name) => Fields.GetValueOrDefault(name);

    /// <summary>A second file the form was allowed to carry, in its own part; disposed with this one.</summary>
    public Upload? Second { get; set; }

    public async Task SaveFileAsync(Stream body, string fileName, long limit, CancellationToken ct)
    {
        FileName = fileName;
        _file = new FileStream(Path.Combine(Path.GetTempPath(), $"fts-upload-{Guid.NewGuid():N}.tmp"), FileMode.CreateNew, FileAccess.ReadWrite,
            FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > limit)
            {
                throw Uploads.TooLarge(limit);
            }

            await _file.WriteAsync(buffer.AsMemory(0, read), ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Second is not null)
        {
            await Second.DisposeAsync();
            Second = null;
        }

        if (_file is not null)
        {
            await _file.DisposeAsync();
            _file = null;
        }
    }
}
