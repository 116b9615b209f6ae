using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTuneStudio.Web.Api;

/// <summary>
/// Reads every string of a request body as the importers read files: a NUL (\u0000), which PostgreSQL cannot store in
/// text, and a lone surrogate escape (\ud800), which is not text, are bad input (400 naming the field) rather than a
/// save that fails on one database and not the other.
/// </summary>
internal sealed class NulFreeStringConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a string, found {reader.TokenType.ToString().ToLowerInvariant()}.");
        }

        string value;
        try
        {
            value = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new JsonException("The text holds a lone surrogate escape (such as \\ud800), which is not text; write the whole character or remove it.");
        }

        return value.Contains('\0')
            ? throw new JsonException("The text contains a NUL character (\\u0000), which cannot be stored; remove it.")
            : value;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
