namespace PredictiveSharding.Execution.Journal;

/// <summary>A journal written for another cluster was opened; using it could undo or finish moves that are not this cluster's.</summary>
public sealed class JournalClusterMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public JournalClusterMismatchException(string path, string expectedClusterId, string journalClusterId)
        : base($"The move journal '{path}' belongs to cluster '{journalClusterId}', not '{expectedClusterId}'; refusing to use it. Point the executor at this cluster's journal.")
    {
        Path = path;
        ExpectedClusterId = expectedClusterId;
        JournalClusterId = journalClusterId;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public JournalClusterMismatchException()
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public JournalClusterMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public JournalClusterMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The journal's path (or name).</summary>
    public string? Path { get; }

    /// <summary>The cluster id the caller expected.</summary>
    public string? ExpectedClusterId { get; }

    /// <summary>The cluster id in the journal's header.</summary>
    public string? JournalClusterId { get; }
}
