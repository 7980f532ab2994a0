using System.Globalization;

namespace PredictiveSharding.Traces;

/// <summary>
/// Spaces around an unquoted key or series name are layout, as around every other field (CsvHelper trims them;
/// <c>timestamp, key, count</c> with a space after each comma is a common layout). They become ambiguous only when one
/// file writes the same trimmed name in two ways (<c>a</c> on one row, <c> a </c> on another): layout, or two names?
/// Reading them as one would sum their requests silently, so such a file is refused, naming both lines. A quoted name
/// keeps its spaces exactly and is its own name. Rows without a space anywhere (nearly all) cost one scan. A tab is not trimmed
/// (CsvHelper's white space is the space alone), so a tab stays part of the name and merges nothing.
/// </summary>
internal sealed class NameSpellings(string source, string column)
{
    /// <summary>What CsvHelper trims around a field (its default white space: the space alone).</summary>
    private const char LayoutSpace = ' ';

    /// <summary>Each name written unquoted with spaces around it: its first such spelling and line.</summary>
    private readonly Dictionary<string, (string Raw, long Line)> _spaced = new(StringComparer.Ordinal);

    /// <summary>The lines whose name was written with spaces around it.</summary>
    private readonly HashSet<long> _spacedLines = [];

    /// <summary>Notes how row <paramref name="line"/> spelled its name; throws when it is a second spacing of a spaced name.</summary>
    public void Note(string rawRecord, int index, string name, long line)
    {
        if (!rawRecord.Contains(LayoutSpace, StringComparison.Ordinal))
        {
            return;
        }

        var raw = RawField(rawRecord.TrimEnd('\r', '\n'), index);
        if (raw.Length == 0 || (raw[0] != LayoutSpace && raw[^1] != LayoutSpace) || raw.Trim(LayoutSpace).StartsWith('"'))
        {
            return;
        }

        _spacedLines.Add(line);
        if (!_spaced.TryGetValue(name, out var first))
        {
            _spaced.Add(name, (raw, line));
        }
        else if (!string.Equals(first.Raw, raw, StringComparison.Ordinal))
        {
            throw Merged(name, first.Raw, first.Line, raw, line);
        }
    }

    /// <summary>Throws when a name written with spaces around it on some row is written without them on another.</summary>
    public void ThrowIfMerged(List<TraceRow> rows)
    {
        if (_spaced.Count == 0)
        {
            return;
        }

        foreach (var row in rows)
        {
            if (_spaced.TryGetValue(row.Name, out var spaced) && !_spacedLines.Contains(row.Line))
            {
                throw row.Line < spaced.Line ? Merged(row.Name, row.Name, row.Line, spaced.Raw, spaced.Line) : Merged(row.Name, spaced.Raw, spaced.Line, row.Name, row.Line);
            }
        }
    }

    private TraceFormatException Merged(string name, string firstRaw, long firstLine, string secondRaw, long secondLine) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{source}, lines {firstLine} and {secondLine}: the {column} '{LongCsvParser.Excerpt(firstRaw)}' and the {column} '{LongCsvParser.Excerpt(secondRaw)}' differ only by spaces around them outside quotes, which are trimmed, so both would be read as the {column} '{LongCsvParser.Excerpt(name)}'. Write it one way, or quote each (\"...\") to keep its spaces as part of the name."));

    /// <summary>The raw text of field <paramref name="index"/> of a record: split at commas outside quotes.</summary>
    private static string RawField(string record, int index)
    {
        var field = 0;
        var start = 0;
        var quoted = false;
        for (var i = 0; i < record.Length; i++)
        {
            var c = record[i];
            if (c == '"')
            {
                // A doubled quote inside a quoted field toggles twice: the state is right after the pair.
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                if (field == index)
                {
                    return record[start..i];
                }

                field++;
                start = i + 1;
            }
        }

        return field == index ? record[start..] : string.Empty;
    }
}
