using System.Text.Json;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// An eval item's JSON Schema may point only inside itself (<c>"$ref": "#/..."</c>). Any other reference would make
/// the schema library fetch a URL or read a file when the item is scored (a request from the server to wherever the
/// schema's author chose), so such schemas are refused at import and never handed to the library.
/// </summary>
public static class SchemaReferences
{
    /// <summary>The first <c>$ref</c> that leaves the document, or null when every reference is local (or the text is not JSON).</summary>
    public static string? FirstExternal(string schemaJson)
    {
        try
        {
            using var document = JsonDocument.Parse(schemaJson, new JsonDocumentOptions { MaxDepth = 128 });
            return FirstExternal(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // A reference that cannot even be read as text is refused like an external one.
            return "(an unreadable reference)";
        }
    }

    private static string? FirstExternal(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.NameEquals("$ref") && (property.Value.ValueKind != JsonValueKind.String || !(property.Value.GetString() ?? "").StartsWith('#')))
                    {
                        return property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
                    }

                    if (FirstExternal(property.Value) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (FirstExternal(item) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }
}
