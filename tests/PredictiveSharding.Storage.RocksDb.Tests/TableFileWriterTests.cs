using System.Globalization;
using System.Text;
using PredictiveSharding.Storage.RocksDb.Interop;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb.Tests;

/// <summary>
/// The copy's table-file writer made through RocksDB's C++ constructor with the page-cache invalidation off
/// (<see cref="TableFileWriter"/>), against RocksDbSharp's writer: the same files, ingested and read back alike, and the
/// native one's pages still cached after it finished.
/// </summary>
[TestFixture]
public sealed class TableFileWriterTests
{
    private const int Entries = 20_000;
    private TempDirectory _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempDirectory();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    [Test]
    public void NativeConstructor_WithThePackagedLibrary_IsFound() =>
        Assert.That(TableFileWriter.NativeConstructorFound, Is.True, "the packaged library exports SstFileWriter's C++ constructor; without it every copy's read-back goes to the disk");

    [TestCase(false)]
    [TestCase(true)]
    public void Open_FollowsTheFlow_NativeUnlessBindingOnly(bool bindingOnly)
    {
        using var scope = bindingOnly ? DirectEntryCalls.BindingOnly() : null;
        using var writer = TableFileWriter.Open(Path.Combine(_folder.Path, "a.sst"), FileOptions());
        Assert.That(writer.KeepsPagesCached, Is.EqualTo(!bindingOnly));
        Assert.That(writer.Handle, Is.Not.EqualTo(IntPtr.Zero));
    }

    [Test]
    public void NativeAndBindingWriters_WriteFilesThatIngestToTheSameEntries()
    {
        var native = WriteAndIngest("native", bindingOnly: false);
        var binding = WriteAndIngest("binding", bindingOnly: true);

        Assert.That(native, Has.Count.EqualTo(Entries));
        Assert.That(native, Is.EqualTo(binding));
        Assert.That(native[0], Is.EqualTo(Key(0) + "=" + Value(0)));
        Assert.That(native[^1], Is.EqualTo(Key(Entries - 1) + "=" + Value(Entries - 1)));
    }

    [Test]
    public void NativeWriter_AfterFinish_LeavesTheFileInThePageCache()
    {
        if (!TryReadStorageBytes(out _))
        {
            Assert.Ignore("/proc/self/io is not readable here: the process's storage reads cannot be counted.");
        }

        var path = Path.Combine(_folder.Path, "cached.sst");
        using (var writer = TableFileWriter.Open(path, FileOptions()))
        {
            Write(writer);
            writer.Finish();
        }

        var size = new FileInfo(path).Length;
        TryReadStorageBytes(out var before);
        var read = File.ReadAllBytes(path).Length;
        TryReadStorageBytes(out var after);

        Assert.That(read, Is.EqualTo(size));
        Assert.That(size, Is.GreaterThan(4L * 1024 * 1024), "large enough that a dropped file would show as storage reads");
        Assert.That(after - before, Is.LessThan(size / 4), $"reading the {size}-byte file back read {after - before} bytes from storage: its pages were dropped");
    }

    [Test]
    public void Open_InAMissingFolder_ThrowsAndFreesTheWriter()
    {
        var path = Path.Combine(_folder.Path, "missing", "a.sst");
        Assert.That(() => TableFileWriter.Open(path, FileOptions()), Throws.InstanceOf<RocksDbException>());
    }

    [Test]
    public void Finish_AfterDispose_Throws_AndDisposeTwiceIsHarmless()
    {
        var writer = TableFileWriter.Open(Path.Combine(_folder.Path, "a.sst"), FileOptions());
        writer.Dispose();
        writer.Dispose();
        Assert.That(writer.Finish, Throws.InstanceOf<ObjectDisposedException>());
    }

    private List<string> WriteAndIngest(string name, bool bindingOnly)
    {
        var path = Path.Combine(_folder.Path, name + ".sst");
        using (var scope = bindingOnly ? DirectEntryCalls.BindingOnly() : null)
        using (var writer = TableFileWriter.Open(path, FileOptions()))
        {
            Assert.That(writer.KeepsPagesCached, Is.EqualTo(!bindingOnly));
            Write(writer);
            writer.Finish();
        }

        using var db = RocksDbSharp.RocksDb.Open(new DbOptions().SetCreateIfMissing(true), Path.Combine(_folder.Path, name + "-db"));
        db.IngestExternalFiles([path], new IngestExternalFileOptions().SetMoveFiles(true));
        var read = new List<string>();
        using var iterator = db.NewIterator();
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            read.Add(Encoding.ASCII.GetString(iterator.Key()) + "=" + Encoding.ASCII.GetString(iterator.Value()));
        }

        return read;
    }

    private static void Write(TableFileWriter writer)
    {
        for (var i = 0; i < Entries; i++)
        {
            var key = Encoding.ASCII.GetBytes(Key(i));
            var value = Encoding.ASCII.GetBytes(Value(i));
            Native.Instance.rocksdb_sstfilewriter_put(writer.Handle, key, (UIntPtr)key.Length, value, (UIntPtr)value.Length);
        }
    }

    private static string Key(int i) => "key" + i.ToString("D8", CultureInfo.InvariantCulture);

    private static string Value(int i) => new string((char)('a' + (i % 26)), 200 + (i % 50));

    private static ColumnFamilyOptions FileOptions() => RocksDbNode.CreateIngestFileOptions();

    /// <summary>The bytes this process has read from storage (not from the page cache), from /proc/self/io.</summary>
    private static bool TryReadStorageBytes(out long bytes)
    {
        bytes = 0;
        try
        {
            var line = File.ReadLines("/proc/self/io").FirstOrDefault(l => l.StartsWith("read_bytes:", StringComparison.Ordinal));
            return line is not null && long.TryParse(line["read_bytes:".Length..].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out bytes);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
