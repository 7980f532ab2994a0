namespace PredictiveSharding.Redis.Migration;

/// <summary>A slot migration stopped: a node is unreachable, refused a command, or verification failed. The message names the slot, nodes and cause.</summary>
public sealed class RedisMigrationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RedisMigrationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RedisMigrationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public RedisMigrationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The address of the node that could not be reached, when that is the cause; otherwise null.</summary>
    public string? UnreachableNode { get; init; }

    /// <summary>The slot being migrated when the migration stopped; -1 when not tied to one slot.</summary>
    public int Slot { get; init; } = -1;

    /// <summary>True when the failed move could not be undone yet and stays in the journal for the next recovery.</summary>
    internal bool LeftInJournal { get; init; }
}
