using System.Globalization;

namespace PredictiveSharding.Traces;

/// <summary>
/// Parses ISO-8601 timestamps only: a date (<c>2024-01-02</c>), or a date and a time separated by <c>T</c>, <c>t</c> or a
/// space (RFC 3339 allows the lower case and the space; the NAB traces use the space) with minutes, optional seconds and an
/// optional fraction (of any length; digits past the seventh, below the 100 ns a <see cref="DateTimeOffset"/> holds, are
/// dropped), followed by an optional <c>Z</c> (or <c>z</c>) or offset (<c>+01:00</c>, <c>+0100</c>, or hours alone,
/// <c>+01</c>, as ISO-8601 allows). Without an offset the time is UTC. A leap second (<c>23:59:60</c>) and the end of day
/// (<c>24:00</c>) are refused: a <see cref="DateTimeOffset"/> holds neither, and reading either as another instant could
/// reorder a trace's rows.
/// Forms that <see cref="DateTimeOffset.Parse(string)"/> also takes (<c>01/02/2024</c>, <c>Jan 2 2024</c>) are refused:
/// they read differently by culture.
/// </summary>
internal static class IsoTimestamp
{
    /// <summary>The forms, for messages.</summary>
    public const string Description = "ISO-8601 timestamp such as 2024-01-02T10:00:00Z (a date, or a date and time separated by 'T' (or 't') or a space, with optional seconds, fraction and offset (Z or z, +01:00, +0100 or +01); no offset means UTC; an offset within ±14:00 and a time from 0001-01-01 to 9999-12-31 in UTC)";

    private static readonly string[] Formats = CreateFormats();

    /// <summary>Parses <paramref name="text"/>; a time without an offset is taken as UTC, and <paramref name="styles"/> may add <see cref="DateTimeStyles.AdjustToUniversal"/>.</summary>
    public static bool TryParse(string text, DateTimeStyles styles, out DateTimeOffset value)
    {
        // The pattern's optional fraction also takes a bare decimal point ("10:00:00." or "10:00:00.Z"), which ISO-8601 does not.
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0 && (dot + 1 == text.Length || !char.IsAsciiDigit(text[dot + 1])))
        {
            value = default;
            return false;
        }

        // ISO-8601 sets no limit on the fraction's digits (Java's Instant writes nine); the pattern takes seven.
        if (dot >= 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
            }
        }

        // RFC 3339 allows a lower-case 'z' for UTC; the pattern's K takes only the upper case.
        if (text.Length > 0 && text[^1] == 'z')
        {
            text = string.Concat(text.AsSpan(0, text.Length - 1), "Z");
        }

        return DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, styles | DateTimeStyles.AssumeUniversal, out value);
    }

    private static string[] CreateFormats()
    {
        var formats = new List<string> { "yyyy'-'MM'-'dd" };
        foreach (var separator in new[] { "'T'", "'t'", "' '" })
        {
            foreach (var time in new[] { "HH':'mm", "HH':'mm':'ss", "HH':'mm':'ss.FFFFFFF" })
            {
                formats.Add("yyyy'-'MM'-'dd" + separator + time);
                formats.Add("yyyy'-'MM'-'dd" + separator + time + "K");

                // An offset in hours alone (+01), which K does not take.
                formats.Add("yyyy'-'MM'-'dd" + separator + time + "zz");
            }
        }

        return [.. formats];
    }
}
