using FineTuneStudio.Core;
using FineTuneStudio.Core.Imports;
using Microsoft.AspNetCore.Components.Forms;

namespace FineTuneStudio.Web.Components.Shared;

/// <summary>Files chosen on a page obey the same one upload limit as the API (<c>Studio:Imports:MaxUploadBytes</c>).</summary>
internal static class PageUploads
{
    /// <summary>The file's stream, or a validation error naming the limit when the file is larger.</summary>
    public static Stream Open(IBrowserFile file, UploadLimitOptions limits, CancellationToken cancellationToken)
    {
        var limit = limits.MaxUploadBytes;
        if (file.Size > limit)
        {
            throw new StudioValidationException("file", $"{file.Name}: {ImportSettings.TooLargeMessage(limit)}");
        }

        return file.OpenReadStream(limit, cancellationToken);
    }
}
