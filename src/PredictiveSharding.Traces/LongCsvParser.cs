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
    /// Opens a trace file as strict UTF-8 (a byte-order mark of UTF-16 or UTF-32 is followed, strictly too): bytes that
    /// do not decode are refused (<see cref="Read"/> names them) instead of becoming U+FFFD, which made different keys one.
    /// </summary>
    public static StreamReader OpenText(string path)
    {
        // StreamReader's own byte-order-mark detection switches to the lenient Encoding.UTF8/Unicode/UTF32 (replacing bad
        // bytes with U+FFFD), so the mark is read here and a strict encoding with that preamble is given instead; the
        // reader skips a preamble its encoding has.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
        try
        {
            Span<byte> head = stackalloc byte[4];
            var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = 0;
            return new StreamReader(stream, StrictEncodingOf(head[..read]), detectEncodingFromByteOrderMarks: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static Encoding StrictEncodingOf(ReadOnlySpan<byte> head) => head switch
    {
        [0x00, 0x00, 0xFE, 0xFF, ..] => new UTF32Encoding(bigEndian: true, byteOrderMark: true, throwOnInvalidCharacters: true),
        [0xFF, 0xFE, 0x00, 0x00, ..] => new UTF32Encoding(bigEndian: false, byteOrderMark: true, throwOnInvalidCharacters: true),
        [0xFF, 0xFE, ..] => new UnicodeEncoding(bigEndian: false, byteOrderMark: true, throwOnInvalidBytes: true),
        [0xFE, 0xFF, ..] => new UnicodeEncoding(bigEndian: true, byteOrderMark: true, throwOnInvalidBytes: true),
        _ => new UTF8Encoding(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true),
    };

    public static List<TraceRow> Read(TextReader reader, string source, string[] nameColumns, string[] valueColumns, bool allowZeroValueOnly, CancellationToken cancellationToken = default)
    {
        try
        {
            return ReadRows(reader, source, nameColumns, valueColumns, allowZeroValueOnly, cancellationToken);
        }
        catch (Exception e) when ((e as DecoderFallbackException ?? e.InnerException as DecoderFallbackException) is { } bad)
        {
            // The reader decodes ahead in blocks, so the line being parsed is not where the bytes are: name the bytes.
            var bytes = bad.BytesUnknown is { Length: > 0 } unknown ? $" (bytes {Convert.ToHexString(unknown)})" : string.Empty;
            var encoding = reader is StreamReader stream ? stream.CurrentEncoding.WebName.ToUpperInvariant() : "UTF-8";
            throw new TraceFormatException($"{source}: the file is not valid {encoding} text{bytes}; a key or series name would lose those bytes. Save the file as UTF-8.", e);
        }
    }

    private static List<TraceRow> ReadRows(TextReader reader, string source, string[] nameColumns, string[] valueColumns, bool allowZeroValueOnly, CancellationToken cancellationToken)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            HasHeaderRecord = true,
            TrimOptions = TrimOptions.Trim,
            DetectColumnCountChanges = true,
            PrepareHeaderForMatch = args => HeaderName(args.Header),

            // A line of spaces or tabs is as blank as an empty one (which CsvHelper skips); it was refused as a row with
            // an inconsistent number of columns. One field can be no row: every row has three.
            ShouldSkipRecord = args => args.Row.Parser.Count == 1 && string.IsNullOrWhiteSpace(args.Row.Parser[0]),

            // CsvHelper's own message only says how to ignore bad data; this one says what is wrong and where.
            BadDataFound = args => throw new TraceFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}, line {args.Context.Parser?.RawRow}: a quote inside an unquoted field, or a quoted field never closed, in '{Excerpt(args.Field)}'. Quote a field holding commas, quotes or line breaks as \"...\" with its quotes doubled.")),
        };
        using var csv = new CsvReader(reader, config, leaveOpen: true);
        if (!csv.Read() || !csv.ReadHeader())
        {
            throw new TraceFormatException($"{source}: the file is empty; expected a header such as '{TimestampNames[0]},{nameColumns[0]},{valueColumns[0]}'.");
        }

        var expectedHeader = $"{TimestampNames[0]},{nameColumns[0]},{valueColumns[0]}";
        var timeIndex = Column(csv, TimestampNames, source, expectedHeader);
        var nameIndex = Column(csv, nameColumns, source, expectedHeader);
        var valueIndex = Column(csv, valueColumns, source, expectedHeader);
        var rows = new List<TraceRow>();
        var spellings = new NameSpellings(source, nameColumns[0]);
        try
        {
            while (csv.Read())
            {
                // Reading a large trace takes seconds; Ctrl+C must not wait for the whole file.
                cancellationToken.ThrowIfCancellationRequested();
                var line = csv.Parser.RawRow;
                var timeText = csv.GetField(timeIndex) ?? string.Empty;
                if (!IsoTimestamp.TryParse(timeText, DateTimeStyles.AdjustToUniversal, out var time))
                {
                    throw new TraceFormatException($"{source}, line {line}: '{Excerpt(timeText)}' is not an {IsoTimestamp.Description}.");
                }

                var name = csv.GetField(nameIndex) ?? string.Empty;
                spellings.Note(csv.Parser.RawRecord, nameIndex, name, line);
                if (name.Length == 0 && !allowZeroValueOnly)
                {
                    throw new TraceFormatException($"{source}, line {line}: the {nameColumns[0]} column is empty.");
                }

                var valueText = csv.GetField(valueIndex) ?? string.Empty;
                if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                {
                    throw new TraceFormatException($"{source}, line {line}: {valueColumns[0]} '{Excerpt(valueText)}' is not a finite number.");
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

        spellings.ThrowIfMerged(rows);
        if (rows.Count == 0)
        {
            throw new TraceFormatException($"{source}: the file has a header but no rows.");
        }

        return rows;
    }

    /// <summary>The start of a field or row for a message: a quote never closed swallows the rest of the file.</summary>
    internal static string Excerpt(string text)
    {
        const int Length = 80;
        text = text.TrimEnd('\r', '\n');
        return text.Length <= Length ? text : text[..Length] + "…";
    }

    /// <summary>
    /// A header field as a name to match: trimmed, lower case, without a byte-order mark (U+FEFF is not white space), which a
    /// reader that does not detect marks leaves at the start of the text, as does a file whose mark was written twice.
    /// </summary>
    private static string HeaderName(string field) => field.Trim().TrimStart('\uFEFF').Trim().ToLowerInvariant();

    /// <summary>
    /// The column of the first of <paramref name="names"/> (the documented name, then its aliases) the header has. By name,
    /// not by position: the first column with any of the names won, so a key file with a series column before its key
    /// column was read by series, and date and time columns took the dates as timestamps and summed each day into one step.
    /// </summary>
    private static int Column(CsvReader csv, string[] names, string source, string expectedHeader)
    {
        var header = csv.HeaderRecord ?? [];
        foreach (var name in names)
        {
            for (var i = 0; i < header.Length; i++)
            {
                if (string.Equals(HeaderName(header[i]), name, StringComparison.Ordinal))
                {
                    return i;
                }
            }
        }

        throw new TraceFormatException($"{source}: no '{names[0]}' column in header '{Excerpt(string.Join(',', header))}' ({Columns(header.Length)}{(header.Length > 1 ? ": " + string.Join(", ", header.Select(h => $"'{Excerpt(h)}'")) : string.Empty)}). {HeaderHint(header, expectedHeader)}");
    }

    private static string Columns(int count) => count == 1 ? "1 column" : string.Create(CultureInfo.InvariantCulture, $"{count} columns");

    /// <summary>
    /// What the header that lacks a column most likely is: a line of another separator (one column holding ';', a tab
    /// or '|'), or a data row (a field reads as a timestamp: the file has no header); else the header to write.
    /// </summary>
    private static string HeaderHint(string[] header, string expectedHeader)
    {
        if (header.Length == 1)
        {
            foreach (var (separator, said) in new[] { (';', "';'"), ('\t', "a tab"), ('|', "'|'") })
            {
                if (header[0].Contains(separator, StringComparison.Ordinal))
                {
                    return $"It looks separated by {said}; a trace is comma-separated: save it with commas, as '{expectedHeader}'.";
                }
            }
        }

        if (header.Any(h => IsoTimestamp.TryParse(h.Trim(), DateTimeStyles.AdjustToUniversal, out _)))
        {
            return $"Its first line reads as a data row: the file has no header; add the line '{expectedHeader}' (in the file's column order) first.";
        }

        return $"Expected a header such as '{expectedHeader}' (any order and case).";
    }
}
