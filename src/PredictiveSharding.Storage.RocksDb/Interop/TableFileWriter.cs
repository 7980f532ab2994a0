using System.Runtime.InteropServices;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb.Interop;

/// <summary>
/// A RocksDB table-file writer (<c>SstFileWriter</c>) for a copy's files, made so that the file's pages stay in the page
/// cache, where the native library allows it; otherwise RocksDbSharp's writer, whose files are the same.
/// </summary>
/// <remarks>
/// <para>
/// Why by hand: by default RocksDB's <c>SstFileWriter</c> tells the kernel, every megabyte written and once more after its
/// final sync, that the file's pages will not be needed (<c>posix_fadvise(POSIX_FADV_DONTNEED)</c>, the C++ constructor's
/// <c>invalidate_page_cache</c> argument), so the kernel drops them once written back. A move reads every file it ingests
/// straight back to verify it, so that read went to the disk: measured on the benchmark's 21 MB move, 21 MB read from
/// storage per move and the target's read-back 15–20 ms slower than from the page cache, on the copy's critical path. The
/// C API that RocksDbSharp binds has no switch for it (<c>rocksdb_sstfilewriter_create</c> passes the default).
/// </para>
/// <para>
/// How: the native library exports the C++ constructor that takes the switch (under its Itanium C++ ABI name, as on
/// Linux). This class builds the writer with it in memory of its own, exactly as <c>rocksdb_sstfilewriter_create</c>
/// does (the same environment and options objects, the bytewise comparator, no column family, the default I/O
/// priority) but with the switch off, and hands the C API's open, put and finish functions a wrapper laid out as the C
/// API's own (<c>rocksdb_sstfilewriter_t</c> is one pointer to the writer). The object is destroyed with its own
/// exported destructor and the memory freed here. Where a symbol is missing (another platform's name mangling, another
/// RocksDB build), or on a flow that asked for the binding (<see cref="DirectEntryCalls.BindingOnly"/>, so tests cover
/// both), RocksDbSharp's writer is used.
/// </para>
/// </remarks>
internal sealed unsafe class TableFileWriter : IDisposable
{
    // RocksDB's Env::IOPriority::IO_TOTAL, the priority rocksdb_sstfilewriter_create passes (read from its machine code).
    private const int DefaultIoPriority = 4;

    // The writer object holds one pointer (its Rep); room for more costs nothing and guards against a larger build.
    private const int WriterObjectBytes = 64;

    private static readonly NativeConstructor? NativeWriter = NativeConstructor.Find(DirectEntryCalls.Instance);

    private readonly SstFileWriter? _binding;
    private readonly EnvOptions? _environment;
    private readonly ColumnFamilyOptions _options;
    private readonly void* _memory;
    private int _disposed;

    private TableFileWriter(SstFileWriter binding, ColumnFamilyOptions options)
    {
        _binding = binding;
        _options = options;
        Handle = binding.Handle;
    }

    private TableFileWriter(NativeConstructor native, ColumnFamilyOptions options)
    {
        _options = options;
        _environment = new EnvOptions();

        // [0, 8): the C API's wrapper, pointing at the writer object that follows it.
        _memory = NativeMemory.AllocZeroed((nuint)(sizeof(IntPtr) + WriterObjectBytes));
        var writer = (IntPtr)_memory + sizeof(IntPtr);
        native.Construct(writer, _environment.Handle, options.Handle);
        *(IntPtr*)_memory = writer;
        Handle = (IntPtr)_memory;
    }

    /// <summary>Whether the native constructor is found, so writers made outside <see cref="DirectEntryCalls.BindingOnly"/> keep pages cached.</summary>
    public static bool NativeConstructorFound => NativeWriter is not null;

    /// <summary>The <c>rocksdb_sstfilewriter_t*</c> the C API's functions take.</summary>
    public IntPtr Handle { get; }

    /// <summary>Whether this writer was made with the page-cache invalidation off (false: RocksDbSharp's writer).</summary>
    public bool KeepsPagesCached => _binding is null;

    /// <summary>
    /// A writer with <paramref name="options"/> (which must outlive it) opened on <paramref name="path"/>: the native
    /// constructor's when found and <see cref="DirectEntryCalls.Current"/> is not null, RocksDbSharp's otherwise.
    /// </summary>
    /// <exception cref="RocksDbException">The file could not be created.</exception>
    public static TableFileWriter Open(string path, ColumnFamilyOptions options)
    {
        var writer = NativeWriter is { } native && DirectEntryCalls.Current is not null
            ? new TableFileWriter(native, options)
            : new TableFileWriter(new SstFileWriter(new EnvOptions(), options), options);
        try
        {
            Native.Instance.rocksdb_sstfilewriter_open(writer.Handle, path);
            return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>Writes the file's index and footer and syncs it.</summary>
    /// <exception cref="RocksDbException">RocksDB failed.</exception>
    public void Finish()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Native.Instance.rocksdb_sstfilewriter_finish(Handle);
        GC.KeepAlive(_options);
    }

    /// <summary>Destroys the writer (an unfinished file is abandoned, not deleted).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_binding is not null)
        {
            _binding.Dispose();
            return;
        }

        NativeWriter!.Destroy(*(IntPtr*)_memory);
        NativeMemory.Free(_memory);
        GC.KeepAlive(_environment);
        GC.KeepAlive(_options);
    }

    /// <summary>The exported C++ constructor, destructor and bytewise comparator, or null where one is missing.</summary>
    private sealed class NativeConstructor
    {
        private readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, byte, int, void> _construct;
        private readonly delegate* unmanaged[Cdecl]<IntPtr, void> _destroy;

        private NativeConstructor(IntPtr construct, IntPtr destroy, IntPtr comparator)
        {
            _construct = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, byte, int, void>)construct;
            _destroy = (delegate* unmanaged[Cdecl]<IntPtr, void>)destroy;
            Comparator = ((delegate* unmanaged[Cdecl]<IntPtr>)comparator)();
        }

        /// <summary><c>rocksdb::BytewiseComparator()</c>, the comparator of every node's options.</summary>
        private IntPtr Comparator { get; }

        public static NativeConstructor? Find(DirectEntryCalls? calls)
        {
            if (calls is null)
            {
                return null;
            }

            // SstFileWriter(const EnvOptions&, const Options&, const Comparator*, ColumnFamilyHandle*, bool invalidate_page_cache, Env::IOPriority)
            // and ~SstFileWriter(); rocksdb::BytewiseComparator().
            return NativeLibrary.TryGetExport(calls.Library, "_ZN7rocksdb13SstFileWriterC1ERKNS_10EnvOptionsERKNS_7OptionsEPKNS_10ComparatorEPNS_18ColumnFamilyHandleEbNS_3Env10IOPriorityE", out var construct)
                && NativeLibrary.TryGetExport(calls.Library, "_ZN7rocksdb13SstFileWriterD1Ev", out var destroy)
                && NativeLibrary.TryGetExport(calls.Library, "_ZN7rocksdb18BytewiseComparatorEv", out var comparator)
                ? new NativeConstructor(construct, destroy, comparator)
                : null;
        }

        /// <summary>Constructs a writer at <paramref name="writer"/>: bytewise comparator, no column family, no page-cache invalidation, the default I/O priority.</summary>
        public void Construct(IntPtr writer, IntPtr environment, IntPtr options) =>
            _construct(writer, environment, options, Comparator, IntPtr.Zero, 0, DefaultIoPriority);

        public void Destroy(IntPtr writer) => _destroy(writer);
    }
}
