using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.InteropServices;
using RocksDbSharp;

namespace PredictiveSharding.Storage.RocksDb.Interop;

/// <summary>
/// The few RocksDB C functions the bulk copy and the checksum scan call once per entry (iterator valid, key, value, next,
/// and the table-file writer's put), called through function pointers into the native library RocksDbSharp loaded,
/// instead of through RocksDbSharp's binding.
/// </summary>
/// <remarks>
/// Why by hand: RocksDbSharp binds every C function through a generated class of delegates, a virtual call and a
/// delegate invocation with its marshalling stub per call; the scans make four or five such calls per entry. Measured on
/// this project's machine over 100,000 entries of 200 bytes in one table file: 22 ms through the binding, 15.5 ms
/// through function pointers (the same with or without <c>SuppressGCTransition</c>, which is not used: <c>next</c> may
/// read a block from disk, and a call that can block must keep its GC transition). The put also takes the key and value
/// where they are, where the binding wants arrays (so each entry was copied into two buffers first). Nothing else in
/// the store is called this way (but see <see cref="TableFileWriter"/>): elsewhere a call per operation is noise.
/// The library handle is read from RocksDbSharp's generated binding (a private field, so the library is the one the
/// binding chose among the package's variants); if a future RocksDbSharp no longer has it, <see cref="Instance"/> is
/// null and the scans use the binding, slower but the same.
/// </remarks>
internal sealed unsafe class DirectEntryCalls
{
    private readonly delegate* unmanaged[Cdecl]<IntPtr, byte> _valid;
    private readonly delegate* unmanaged[Cdecl]<IntPtr, nuint*, byte*> _key;
    private readonly delegate* unmanaged[Cdecl]<IntPtr, nuint*, byte*> _value;
    private readonly delegate* unmanaged[Cdecl]<IntPtr, void> _next;
    private readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, byte*, nuint, IntPtr*, void> _put;

    private DirectEntryCalls(IntPtr library)
    {
        Library = library;
        _valid = (delegate* unmanaged[Cdecl]<IntPtr, byte>)NativeLibrary.GetExport(library, "rocksdb_iter_valid");
        _key = (delegate* unmanaged[Cdecl]<IntPtr, nuint*, byte*>)NativeLibrary.GetExport(library, "rocksdb_iter_key");
        _value = (delegate* unmanaged[Cdecl]<IntPtr, nuint*, byte*>)NativeLibrary.GetExport(library, "rocksdb_iter_value");
        _next = (delegate* unmanaged[Cdecl]<IntPtr, void>)NativeLibrary.GetExport(library, "rocksdb_iter_next");
        _put = (delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, byte*, nuint, IntPtr*, void>)NativeLibrary.GetExport(library, "rocksdb_sstfilewriter_put");
    }

    // Set inside BindingOnly(): that flow (and the lane tasks it starts) use the binding, so tests cover both paths.
    private static readonly AsyncLocal<bool> BindingOnlyFlow = new();

    /// <summary>The calls, or null when the native library's handle could not be found (the binding is used instead).</summary>
    public static DirectEntryCalls? Instance { get; } = Create();

    /// <summary>The calls to use here: <see cref="Instance"/>, or null inside <see cref="BindingOnly"/>.</summary>
    public static DirectEntryCalls? Current => BindingOnlyFlow.Value ? null : Instance;

    /// <summary>Until disposed, scans started from this asynchronous flow call through RocksDbSharp's binding (for tests).</summary>
    public static IDisposable BindingOnly()
    {
        BindingOnlyFlow.Value = true;
        return new BindingOnlyScope();
    }

    /// <summary>The handle of the native library RocksDbSharp loaded (see <see cref="TableFileWriter"/>).</summary>
    public IntPtr Library { get; }

    /// <summary>Whether the iterator stands on an entry.</summary>
    public bool Valid(Iterator iterator) => _valid(iterator.Handle) != 0;

    /// <summary>The current entry's key, in the iterator's memory: valid until the iterator moves.</summary>
    public ReadOnlySpan<byte> Key(Iterator iterator)
    {
        nuint length;
        var start = _key(iterator.Handle, &length);
        return new ReadOnlySpan<byte>(start, checked((int)length));
    }

    /// <summary>The current entry's value, in the iterator's memory: valid until the iterator moves.</summary>
    public ReadOnlySpan<byte> Value(Iterator iterator)
    {
        nuint length;
        var start = _value(iterator.Handle, &length);
        return new ReadOnlySpan<byte>(start, checked((int)length));
    }

    /// <summary>Moves the iterator to the next entry.</summary>
    public void Next(Iterator iterator) => _next(iterator.Handle);

    /// <summary>
    /// Adds an entry to the table file behind <paramref name="writer"/> (a <c>rocksdb_sstfilewriter_t*</c>; keys in increasing
    /// order); throws <see cref="RocksDbException"/> as the binding does.
    /// </summary>
    public void Put(IntPtr writer, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var error = IntPtr.Zero;
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            _put(writer, k, (nuint)key.Length, v, (nuint)value.Length, &error);
        }

        if (error != IntPtr.Zero)
        {
            // The exception reads the message and frees it.
            throw new RocksDbException(error);
        }
    }

    private sealed class BindingOnlyScope : IDisposable
    {
        public void Dispose() => BindingOnlyFlow.Value = false;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "The field is on RocksDbSharp's binding class, which it emits at run time (Reflection.Emit), so a trimmer never sees or removes it; when it is missing the scans fall back to the binding.")]
    private static DirectEntryCalls? Create()
    {
        try
        {
            var binding = Native.Instance;
            var field = binding.GetType().GetField("libraryHandle", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
            return field?.GetValue(binding) is IntPtr library && library != IntPtr.Zero ? new DirectEntryCalls(library) : null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }
}
