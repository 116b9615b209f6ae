using FineTuneStudio.Core;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FineTuneStudio.Web.Api;

public static class ImportEndpoints
{
    /// <summary>Room for the multipart envelope and the form fields on top of the file itself.</summary>
    private const long EnvelopeBytes = 64 * 1024;

    private const int PreviewRows = 20;

    public static void MapImportEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/datasets/{id:int}/imports").WithTags("Imports").InProject(ScopeKind.Dataset, "id").RequireAuthorization(StudioPolicies.Review);

        group.MapPost("/", async Task<Results<Ok<ImportResult>, ProblemHttpResult>> (
                int id, HttpContext http, ImportService imports, DatasetService datasets, IConfiguration configuration, CancellationToken ct) =>
            {
                await datasets.GetAsync(id, ct);
                var limit = ImportSettings.MaxUploadBytes(configuration);
                await using var upload = await ReadUploadAsync(http, limit, ct);
                if (upload.TooLarge)
                {
                    return TooLarge(limit);
                }

                var options = ImportSettings.Parse(upload.Field("format"), upload.Field("status"), upload.Field("duplicates"), upload.Field("mapping"),
                    bool.TryParse(upload.Field("dryRun"), out var dryRun) && dryRun) with { MaxBytes = limit };
                var result = await imports.ImportAsync(id, upload.File, options, http.User.ToActor(), null, ct);
                return TypedResults.Ok(result.EnsureSucceeded());
            })
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Import examples from a file, all or nothing")
            .WithDescription($"Multipart form: file (CSV, JSONL, a JSON array or Hugging Face Parquet; gzip-compressed files are unpacked, the size limit applying to the unpacked bytes), and optional fields format ({string.Join(", ", ImportSettings.Formats.Select(f => f.Name))}), "
                + "status (draft, submitted, approved), duplicates (skip, keep), dryRun (true/false), mapping (CSV: system=COL,user=COL,assistant=COL,label=COL,tags=COL). "
                + "Any error: 400 listing the first 100 as 'line N: field: message' with errors_total, and nothing is written. Past the size limit: 413.");

        group.MapPost("/preview", async Task<Results<Ok<CsvPreview>, ProblemHttpResult>> (
                int id, HttpContext http, DatasetService datasets, IConfiguration configuration, CancellationToken ct) =>
            {
                await datasets.GetAsync(id, ct);
                var limit = ImportSettings.MaxUploadBytes(configuration);
                await using var upload = await ReadUploadAsync(http, limit, ct);
                return upload.TooLarge ? TooLarge(limit) : TypedResults.Ok(await new CsvExampleParser().PreviewAsync(upload.File, PreviewRows, ct));
            })
            .Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Read a CSV file's headers and first rows, with a suggested column mapping");
    }

    private static ProblemHttpResult TooLarge(long limit) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "The file is too large",
        detail: char.ToUpperInvariant(ImportSettings.TooLargeMessage(limit)[0]) + ImportSettings.TooLargeMessage(limit)[1..] + ".");

    /// <summary>
    /// Streams the multipart body: the file part goes to a temporary file (deleted on dispose) so a 200 MB upload never sits in
    /// memory; the small text fields are kept. Stops as soon as the file passes the limit.
    /// </summary>
    private static async Task<Upload> ReadUploadAsync(HttpContext http, long limit, CancellationToken ct)
    {
        if (http.Request.ContentLength > limit + EnvelopeBytes)
        {
            return Upload.Oversized();
        }

        // Kestrel's default body limit (30 MB) is below ours; this endpoint enforces its own.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit + EnvelopeBytes;
        }

        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
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
                if (disposition.IsFileDisposition())
                {
                    if (!name.Equals("file", StringComparison.OrdinalIgnoreCase) || upload.HasFile)
                    {
                        throw new StudioValidationException("file", "send exactly one file, in a part named 'file'");
                    }

                    if (!await upload.SaveFileAsync(section.Body, limit, ct))
                    {
                        return upload.MarkTooLarge();
                    }
                }
                else if (disposition.IsFormDisposition())
                {
                    using var text = new StreamReader(section.Body);
                    upload.Fields[name] = await text.ReadToEndAsync(ct);
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return upload.MarkTooLarge();
        }
        catch (IOException) when (!ct.IsCancellationRequested)
        {
            await upload.DisposeAsync();
            throw new StudioValidationException("file", "the upload was cut off before it was complete; send it again");
        }
        catch
        {
            await upload.DisposeAsync();
            throw;
        }

        if (!upload.HasFile)
        {
            await upload.DisposeAsync();
            throw new StudioValidationException("file", "no file was sent; add the file in a part named 'file'");
        }

        upload.File.Position = 0;
        return upload;
    }

    private sealed class Upload : IAsyncDisposable
    {
        private FileStream? _file;

        public Dictionary<string, string> Fields { get; } = new(StringComparer.OrdinalIgnoreCase);

        public bool TooLarge { get; private set; }

        public bool HasFile => _file is not null;

        public FileStream File => _file ?? throw new InvalidOperationException("no file");

        public string? Field(string name) => Fields.GetValueOrDefault(name);

        public static Upload Oversized() => new() { TooLarge = true };

        public Upload MarkTooLarge()
        {
            TooLarge = true;
            return this;
        }

        public async Task<bool> SaveFileAsync(Stream body, long limit, CancellationToken ct)
        {
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
                    return false;
                }

                await _file.WriteAsync(buffer.AsMemory(0, read), ct);
            }

            return true;
        }

        public async ValueTask DisposeAsync()
        {
            if (_file is not null)
            {
                await _file.DisposeAsync();
                _file = null;
            }
        }
    }
}
