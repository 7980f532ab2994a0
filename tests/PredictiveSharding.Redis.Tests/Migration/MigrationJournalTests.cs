using PredictiveSharding.Redis.Migration.Journal;
using PredictiveSharding.Redis.Slots;

namespace PredictiveSharding.Redis.Tests.Migration;

public sealed class MigrationJournalTests
{
    private string _path = null!;

    [SetUp]
    public void CreatePath() => _path = Path.Combine(Path.GetTempPath(), "psharding-journal-" + Guid.NewGuid().ToString("N") + ".jsonl");

    [TearDown]
    public void DeletePath() => File.Delete(_path);

    [Test]
    public void OpenMoves_ListsBegunMovesNotEnded_WithTheirDirection()
    {
        var journal = new MigrationJournal(_path);
        journal.Append(new JournalRecord(JournalRecord.Begin, "m1", "p1", "a:1", "b:2", 0, 10));
        journal.Append(new JournalRecord(JournalRecord.Begin, "m2", "p2", "a:1", "c:3", 10, 20));
        journal.Append(new JournalRecord(JournalRecord.End, "m1", Note: "completed"));
        journal.Append(new JournalRecord(JournalRecord.RollBack, "m2", Note: "node down"));

        var open = new MigrationJournal(_path).OpenMoves();

        Assert.That(open, Has.Count.EqualTo(1));
        Assert.That(open[0].Id, Is.EqualTo("m2"));
        Assert.That(open[0].Slots, Is.EqualTo(new HashSlotRange(10, 20)));
        Assert.That(open[0].To, Is.EqualTo("c:3"));
        Assert.That(open[0].RollingBack, Is.True);
    }

    [Test]
    public void OpenMoves_WhenTheLastLineIsTorn_IgnoresIt()
    {
        var journal = new MigrationJournal(_path);
        journal.Append(new JournalRecord(JournalRecord.Begin, "m1", "p1", "a:1", "b:2", 0, 10));
        File.AppendAllText(_path, "{\"kind\":\"end\",\"mo");

        Assert.That(journal.OpenMoves().Select(m => m.Id), Is.EqualTo(new[] { "m1" }));
    }

    [Test]
    public void Append_AfterATornLastLine_IsReadAndTheJournalStaysReadable()
    {
        // A crash while the move's end record was written: recovery finishes the move and journals its end again.
        var journal = new MigrationJournal(_path);
        journal.Append(new JournalRecord(JournalRecord.Begin, "m1", "p1", "a:1", "b:2", 0, 10));
        File.AppendAllText(_path, "{\"kind\":\"end\",\"mo");
        Assert.That(journal.OpenMoves().Select(m => m.Id), Is.EqualTo(new[] { "m1" }));

        journal.Append(new JournalRecord(JournalRecord.End, "m1", Note: "completed"));
        Assert.That(journal.OpenMoves(), Is.Empty, "the end record written after the torn line counts");

        journal.Append(new JournalRecord(JournalRecord.Begin, "m2", "p2", "a:1", "c:3", 10, 20));
        Assert.That(new MigrationJournal(_path).OpenMoves().Select(m => m.Id), Is.EqualTo(new[] { "m2" }), "later records are read, not refused as corrupt");
    }

    [Test]
    public void Append_AfterAWholeLastRecordWithoutItsNewline_KeepsThatRecord()
    {
        var journal = new MigrationJournal(_path);
        journal.Append(new JournalRecord(JournalRecord.Begin, "m1", "p1", "a:1", "b:2", 0, 10));
        journal.Append(new JournalRecord(JournalRecord.Begin, "m2", "p2", "a:1", "c:3", 10, 20));
        File.AppendAllText(_path, "{\"kind\":\"end\",\"move\":\"m1\",\"note\":\"completed\"}");
        Assert.That(journal.OpenMoves().Select(m => m.Id), Is.EqualTo(new[] { "m2" }));

        journal.Append(new JournalRecord(JournalRecord.End, "m2", Note: "completed"));

        Assert.That(journal.OpenMoves(), Is.Empty);
    }

    [Test]
    public void CompactIfIdle_WhenEveryMoveEnded_EmptiesTheFile()
    {
        var journal = new MigrationJournal(_path);
        journal.Append(new JournalRecord(JournalRecord.Begin, "m1", "p1", "a:1", "b:2", 0, 10));
        journal.CompactIfIdle();
        Assert.That(new FileInfo(_path).Length, Is.GreaterThan(0));

        journal.Append(new JournalRecord(JournalRecord.End, "m1", Note: "completed"));
        journal.CompactIfIdle();

        Assert.That(new FileInfo(_path).Length, Is.EqualTo(0));
    }

    [TestCase("{\"kind\":\"begin\",\"mo", TestName = "OpenMoves_WhenALineBeforeTheLastIsNotJson_ThrowsNamingTheFileAndLine")]
    [TestCase("{\"kind\":\"begin\",\"move\":\"m9\",\"slotStart\":0,\"slotEnd\":4}", TestName = "OpenMoves_WhenABeginRecordLacksItsPartitionAndMasters_ThrowsNamingTheFileAndLine")]
    [TestCase("{\"kind\":\"begin\",\"move\":\"m9\",\"partition\":\"p9\",\"from\":\"a:1\",\"to\":\"b:2\",\"slotStart\":9,\"slotEnd\":4}", TestName = "OpenMoves_WhenABeginRecordHasAnInvertedSlotRange_ThrowsNamingTheFileAndLine")]
    public void OpenMoves_WhenALineIsCorrupt_ThrowsNamingTheFileAndLine(string corrupt)
    {
        // Not the last line, so not a torn write: the journal was damaged, and recovery cannot know which moves are open.
        // It threw the parser's or a constructor's own exception, naming neither the file nor the line.
        var journal = new MigrationJournal(_path);
        journal.Append(new JournalRecord(JournalRecord.Begin, "m1", "p1", "a:1", "b:2", 0, 10));
        File.AppendAllText(_path, corrupt + "\n");
        journal.Append(new JournalRecord(JournalRecord.End, "m1", Note: "completed"));

        Assert.That(() => journal.OpenMoves(), Throws.TypeOf<InvalidDataException>().With.Message.Contains(Path.GetFullPath(_path)).And.Message.Contains("line 2"));
    }
}
