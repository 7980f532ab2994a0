using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace PredictiveSharding.Traces;

/// <summary>Reads the three columns of a long-format trace with CsvHelper, checking every value.</summary>
internal static class LongCsvParser
{
    private static readonly string[] TimestampNames = ["timestamp", "time", "date"];

    /// <summary>
    /// Opens a trace file as strict UTF-8 (a byte-order mark of another encoding is followed): bytes that are not UTF-8
    /// are refused (<see cref="Read"/> names them) instead of becoming U+FFFD, which made different keys one.
    /// </summary>
    public static StreamReader OpenText(string path) => new(path, StrictUtf8, detectEncodingFromByteOrderMarks: true);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static List<TraceRow> Read(TextReader reader, string source, string[] nameColumns, string[] valueColumns, bool allowZeroValueOnly)
    {
        try
        {
            return ReadRows(reader, source, nameColumns, valueColumns, allowZeroValueOnly);
        }
        catch (Exception e) when ((e as DecoderFallbackException ?? e.InnerException as DecoderFallbackException) is { } bad)
        {
            // The reader decodes ahead in blocks, so the line being parsed is not where the bytes are: name the bytes.
            var bytes = bad.BytesUnknown is { Length: > 0 } unknown ? $" (bytes {Convert.ToHexString(unknown)})" : string.Empty;
            throw new TraceFormatException($"{source}: the file is not valid UTF-8 text{bytes}; a key or series name would lose those bytes. Save the file as UTF-8.", e);
        }
    }

    private static List<TraceRow> ReadRows(TextReader reader, string source, string[] nameColumns, string[] valueColumns, bool allowZeroValueOnly)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            HasHeaderRecord = true,
            TrimOptions = TrimOptions.Trim,
            DetectColumnCountChanges = true,
            PrepareHeaderForMatch = args => args.Header.Trim().ToLowerInvariant(),

            // CsvHelper's own message only says how to ignore bad data; this one says what is wrong and where.
            BadDataFound = args => throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}, line {args.Context.Parser?.RawRow}: a quote inside an unquoted field, or a quoted field never closed, in '{Excerpt(args.Field)}'. Quote a field holding commas, quotes or line breaks as \"...\" with its quotes doubled.")),
        };
        using var csv = new CsvReader(reader, config, leaveOpen: true);
        if (!csv.Read() || !csv.ReadHeader())
        {
            throw new TraceFormatException($"{source}: the file is empty; expected a header such as '{TimestampNames[0]},{nameColumns[0]},{valueColumns[0]}'.");
        }

        var timeIndex = Column(csv, TimestampNames, source);
        var nameIndex = Column(csv, nameColumns, source);
        var valueIndex = Column(csv, valueColumns, source);
        var rows = new List<TraceRow>();
        try
        {
            while (csv.Read())
            {
                var line = csv.Parser.RawRow;
                var timeText = csv.GetField(timeIndex) ?? string.Empty;
                if (!IsoTimestamp.TryParse(timeText, DateTimeStyles.AdjustToUniversal, out var time))
                {
                    throw new TraceFormatException($"{source}, line {line}: '{timeText}' is not an {IsoTimestamp.Description}.");
                }

                var name = csv.GetField(nameIndex) ?? string.Empty;
                if (name.Length == 0 && !allowZeroValueOnly)
                {
                    throw new TraceFormatException($"{source}, line {line}: the {nameColumns[0]} column is empty.");
                }

                var valueText = csv.GetField(valueIndex) ?? string.Empty;
                if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                {
                    throw new TraceFormatException($"{source}, line {line}: {valueColumns[0]} '{valueText}' is not a finite number.");
                }

                if (value < 0)
                {
                    throw new TraceFormatException($"{source}, line {line}: {valueColumns[0]} {valueText} is negative; load cannot be negative.");
                }

                rows.Add(new TraceRow(time, name, value, line));
            }
        }
        catch (CsvHelperException e)
        {
            var record = e.Context?.Parser?.RawRecord is { Length: > 0 } raw ? $" The row: '{Excerpt(raw)}'." : string.Empty;
            throw new TraceFormatException($"{source}, line {e.Context?.Parser?.RawRow}: {e.Message.Split('\n')[0].TrimEnd()}{record}", e);
        }

        if (rows.Count == 0)
        {
            throw new TraceFormatException($"{source}: the file has a header but no rows.");
        }

        return rows;
    }

    /// <summary>The start of a field or row for a message: a quote never closed swallows the rest of the file.</summary>
    private static string Excerpt(string text)
    {
        const int Length = 80;
        text = text.TrimEnd('\r', '\n');
        return text.Length <= Length ? text : text[..Length] + "…";
    }

    private static int Column(CsvReader csv, string[] names, string source)
    {
        var header = csv.HeaderRecord ?? [];
        for (var i = 0; i < header.Length; i++)
        {
            if (Array.IndexOf(names, header[i].Trim().ToLowerInvariant()) >= 0)
            {
                return i;
            }
        }

        throw new TraceFormatException($"{source}: no '{names[0]}' column in header '{string.Join(',', header)}'.");
    }
}
