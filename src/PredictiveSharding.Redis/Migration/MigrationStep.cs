namespace PredictiveSharding.Redis.Migration;

/// <summary>The boundaries of a slot's migration at which faults are injected in tests.</summary>
internal enum MigrationStep
{
    /// <summary>The slot is IMPORTING on the target and MIGRATING on the source.</summary>
    Opened,

    /// <summary>One MIGRATE batch went through.</summary>
    BatchMigrated,

    /// <summary>The source holds no key of the slot; nothing is assigned yet.</summary>
    Drained,

    /// <summary>The target owns the slot.</summary>
    Assigned,
}
