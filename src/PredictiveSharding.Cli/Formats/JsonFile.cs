using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace PredictiveSharding.Cli.Formats;

/// <summary>Reading a document and naming where a value is bad.</summary>
internal static class JsonFile
{
    public static T Read<T>(Stream stream, string file, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(stream, typeInfo)
                ?? throw new PlanFileException(file, "$", "the document is null; expected an object.");
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line
                ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {e.BytePositionInLine + 1})")
                : string.Empty;
            throw new PlanFileException(file, e.Path ?? "$", "not valid here" + where + ": " + e.Message, e);
        }
    }

    public static void Write<T>(Stream stream, T document, JsonTypeInfo<T> typeInfo) =>
        JsonSerializer.Serialize(stream, document, typeInfo);

    /// <summary>
    /// The context for writing: reasons contain ×, &gt; and quotes, which the default encoder escapes for HTML; these
    /// files are read by people and JSON parsers, never embedded in a page, so the relaxed encoder keeps them legible.
    /// </summary>
    public static PlanJsonContext Output { get; } = new(new JsonSerializerOptions(PlanJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>The path of a property: <c>$.a.b</c>, or <c>$.a['odd key']</c> when the name is not a plain word.</summary>
    public static string Property(string parent, string name)
    {
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-')
            {
                return parent + "['" + name.Replace("'", "\\'", StringComparison.Ordinal) + "']";
            }
        }

        return name.Length == 0 ? parent + "['']" : parent + "." + name;
    }

    public static string Index(string parent, int index) => string.Create(CultureInfo.InvariantCulture, $"{parent}[{index}]");

    public static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
