using System.Text;
using System.Text.Json;

namespace PredictiveSharding.Redis.Migration.Journal;

/// <summary>
/// An append-only file of JSON lines, flushed to disk before the step it announces runs. It records which slot range is
/// being moved between which masters and in which direction; the cluster's own slot states (migrating, importing, owner)
/// say how far each slot got, so the journal needs no per-key record.
/// </summary>
internal sealed class MigrationJournal
{
    private readonly string _path;
    private readonly Lock _gate = new();

    public MigrationJournal(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }

    public string FilePath => _path;

    /// <summary>
    /// Takes the journal for one run of an executor (a plan, or a recovery) and returns what gives it back: an exclusive
    /// lock on <c>journal.lock</c> beside it, which the operating system also drops when the process dies. Why: the journal
    /// holds the moves in flight, and another executor reading it (a second instance of the host, a recovery tool) would
    /// take a move the first is still running for one a crash left, and finish or undo it at the same time.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another executor, in this process or another, has the journal now.</exception>
    public IDisposable Acquire()
    {
        var lockPath = _path + ".lock";
        try
        {
            // FileShare.None: an exclusive advisory lock (flock) on Unix, a sharing lock on Windows; the file is left in place,
            // since deleting it could let two holders lock different files under one name.
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"The migration journal '{_path}' is in use by another executor, in this process or another (its lock file '{lockPath}' could not be taken: {e.Message}). Two executors over one journal would each finish or undo the other's move in flight: give each executor its own RedisMigrationOptions.JournalPath, or run one at a time.", e);
        }
    }

    public void Append(JournalRecord record)
    {
        var line = JsonSerializer.Serialize(record, JournalJsonContext.Default.JournalRecord) + "\n";
        var bytes = Encoding.UTF8.GetBytes(line);
        lock (_gate)
        {
            var created = !File.Exists(_path);
            using var stream = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);

            // A crash mid-append leaves a last line without its newline. Appending after it would glue this record to it:
            // the joined line would not parse, so this record would be lost, and once another followed it the journal would
            // no longer be readable at all. A torn record (its step never ran) is cut off first; a whole one, which
            // OpenMoves already counts, only gets its newline.
            var wholeLines = EndOfLastWholeLine(stream);
            if (wholeLines < stream.Length)
            {
                var tail = new byte[stream.Length - wholeLines];
                stream.Seek(wholeLines, SeekOrigin.Begin);
                stream.ReadExactly(tail);
                if (IsRecord(tail))
                {
                    stream.WriteByte((byte)'\n');
                }
                else
                {
                    stream.SetLength(wholeLines);
                }
            }

            stream.Seek(0, SeekOrigin.End);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
            if (created)
            {
                // The file's own sync does not make its name durable: without the directory's, a power cut could lose
                // the whole journal, and with it the record of a move whose slots are left migrating.
                PredictiveSharding.Execution.Journal.DirectorySync.Sync(System.IO.Path.GetDirectoryName(_path)!);
            }
        }
    }

    private static bool IsRecord(byte[] line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, JournalJsonContext.Default.JournalRecord) is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The length of the file up to and including its last newline (0 when it has none).</summary>
    private static long EndOfLastWholeLine(FileStream stream)
    {
        var buffer = new byte[4096];
        var end = stream.Length;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            var count = (int)(end - start);
            stream.Seek(start, SeekOrigin.Begin);
            stream.ReadExactly(buffer, 0, count);
            var newline = buffer.AsSpan(0, count).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                return start + newline + 1;
            }

            end = start;
        }

        return 0;
    }

    /// <summary>Moves begun and not ended, oldest first. A torn last line (a crash mid-write) is ignored: its step never ran.</summary>
    public IReadOnlyList<JournalMove> OpenMoves()
    {
        lock (_gate)
        {
            if (!File.Exists(_path))
            {
                return [];
            }

            var open = new List<JournalMove>();
            var lines = File.ReadAllLines(_path);
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].Length == 0)
                {
                    continue;
                }

                JournalRecord? record;
                try
                {
                    record = JsonSerializer.Deserialize(lines[i], JournalJsonContext.Default.JournalRecord);
                }
                catch (JsonException) when (i == lines.Length - 1)
                {
                    break;
                }
                catch (JsonException e)
                {
                    // Not the last line, so not a write a crash tore: the file was damaged, and which moves are open is unknown.
                    throw Damaged(i, $"is not a journal record ({e.Message})", e);
                }

                if (record is null)
                {
                    continue;
                }

                switch (record.Kind)
                {
                    case JournalRecord.Begin:
                        open.Add(ToMove(record, i));
                        break;
                    case JournalRecord.RollBack:
                        var index = open.FindIndex(m => m.Id == record.Move);
                        if (index >= 0)
                        {
                            open[index] = open[index] with { RollingBack = true };
                        }

                        break;
                    case JournalRecord.End:
                        open.RemoveAll(m => m.Id == record.Move);
                        break;
                    default:
                        throw new InvalidDataException($"Migration journal '{_path}' line {i + 1} has an unknown kind '{record.Kind}'.");
                }
            }

            return open;
        }
    }

    /// <summary>A begin record as a move; one missing its partition, masters or a valid slot range is damage, named so.</summary>
    private JournalMove ToMove(JournalRecord record, int index)
    {
        if (string.IsNullOrWhiteSpace(record.Move) || string.IsNullOrWhiteSpace(record.Partition) || string.IsNullOrWhiteSpace(record.From) || string.IsNullOrWhiteSpace(record.To))
        {
            throw Damaged(index, $"begins move '{record.Move}' without its move id, partition ('{record.Partition}'), source ('{record.From}') or target ('{record.To}')", inner: null);
        }

        if (record.SlotStart < 0 || record.SlotEnd < record.SlotStart || record.SlotEnd > Slots.HashSlot.Count)
        {
            throw Damaged(index, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"begins move '{record.Move}' with slots [{record.SlotStart}, {record.SlotEnd}), not a range of 0 to {Slots.HashSlot.Count}"), inner: null);
        }

        return new JournalMove(record.Move, new Topology.PartitionId(record.Partition), record.From, record.To, new Slots.HashSlotRange(record.SlotStart, record.SlotEnd), RollingBack: false);
    }

    private InvalidDataException Damaged(int index, string what, Exception? inner) =>
        new(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Migration journal '{_path}' line {index + 1} {what}; the file is damaged, so which moves are open is unknown. Restore it from a copy, or check the masters' open slots (CLUSTER NODES) and close them by hand (redis-cli --cluster fix), then remove the file."), inner);

    /// <summary>Called before the file is emptied (tests inject a failing write here).</summary>
    internal Action? BeforeCompact { get; set; }

    /// <summary>Empties the file when no move is open, so it does not grow without bound.</summary>
    public void CompactIfIdle()
    {
        lock (_gate)
        {
            if (File.Exists(_path) && OpenMoves().Count == 0)
            {
                BeforeCompact?.Invoke();
                File.WriteAllBytes(_path, []);
            }
        }
    }
}
