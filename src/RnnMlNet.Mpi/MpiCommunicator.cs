using System.Runtime.InteropServices;

namespace RnnMlNet.Mpi;

/// <summary>
/// The processes of an MPI job (<c>mpirun -np N dotnet app.dll</c>) as an <see cref="IRankCommunicator"/>: give it to
/// <see cref="DataParallelOptions.Communicator"/>. <see cref="Start"/> initialises MPI once per process and
/// <see cref="Dispose"/> finalises it.
/// <para>On Linux it runs on MPICH (Debian: <c>apt-get install mpich</c>; <c>libmpich.so.12</c>), on Windows on MS-MPI.
/// MPI.NET is built against MS-MPI's <c>msmpi.dll</c>, whose integer handles MPICH shares, so the library is redirected to
/// MPICH; set <c>RNNMLNET_MPI_LIBRARY</c> to load another MPICH-compatible library. Open MPI is not compatible (its handles
/// are pointers).</para>
/// <para>Only the array exchanges are used: MPI.NET's object exchanges serialise with BinaryFormatter, which .NET 10 no
/// longer has.</para>
/// </summary>
public sealed class MpiCommunicator : IRankCommunicator, IDisposable
{
    private static int s_started;
    // Set once per process (.NET refuses a second resolver for an assembly), on the first Start, not by a failed one's retry.
    private static readonly Lazy<bool> s_mpichResolver = new(() =>
    {
        if (!OperatingSystem.IsWindows())
            NativeLibrary.SetDllImportResolver(typeof(MPI.Environment).Assembly, (name, _, _) =>
                name.Contains("msmpi", StringComparison.OrdinalIgnoreCase) ? LoadMpich() : IntPtr.Zero);
        return true;
    });
    private readonly MPI.Environment _environment;
    private readonly MPI.Intracommunicator _world;

    private MpiCommunicator(MPI.Environment environment, MPI.Intracommunicator world)
    {
        _environment = environment;
        _world = world;
    }

    /// <summary>Initialises MPI (once per process) and returns the job's world communicator; a process started without
    /// <c>mpirun</c> is a job of one. An exception the process does not catch ends the whole job (<see cref="Abort"/>).</summary>
    /// <exception cref="InvalidOperationException">MPI is already started in this process.</exception>
    /// <exception cref="DllNotFoundException">No MPI library is installed; the message says what to install. Nothing has
    /// started then, so Start may be called again once it is (or once <c>RNNMLNET_MPI_LIBRARY</c> names it).</exception>
    public static MpiCommunicator Start(ref string[] args)
    {
        if (Interlocked.Exchange(ref s_started, 1) == 1)
            throw new InvalidOperationException("MPI is already started in this process: start it once and share the communicator.");
        MPI.Environment environment;
        try
        {
            _ = s_mpichResolver.Value;
            environment = new MPI.Environment(ref args);
        }
        catch (DllNotFoundException)
        {
            Volatile.Write(ref s_started, 0);
            throw;
        }
        var communicator = new MpiCommunicator(environment, MPI.Communicator.world);
        // An exception this process does not catch would leave it blocked in MPI's shutdown and the other ranks waiting in
        // their next exchange for ever: it ends the job instead, printed.
        AppDomain.CurrentDomain.UnhandledException += (_, e) => communicator.Abort(e.ExceptionObject as Exception ?? new InvalidOperationException($"{e.ExceptionObject}"));
        return communicator;
    }

    private static IntPtr LoadMpich()
    {
        string library = Environment.GetEnvironmentVariable("RNNMLNET_MPI_LIBRARY") ?? "libmpich.so.12";
        return NativeLibrary.TryLoad(library, out var handle)
            ? handle
            : throw new DllNotFoundException($"The MPI library {library} could not be loaded. Install MPICH (Debian and Ubuntu: apt-get install mpich), " +
                "or set RNNMLNET_MPI_LIBRARY to an MPICH-compatible libmpi.");
    }

    /// <inheritdoc />
    public int Rank => _world.Rank;

    /// <inheritdoc />
    public int Size => _world.Size;

    /// <inheritdoc />
    public void AllGather<TValue>(TValue[] local, TValue[] all) where TValue : unmanaged
    {
        RequirePrimitive<TValue>();
        if (all.Length != local.Length * Size) throw new ArgumentException($"Gathering {local.Length} values from {Size} ranks needs {local.Length * Size} places, not {all.Length}.", nameof(all));
        var gathered = all;
        _world.AllgatherFlattened(local, local.Length, ref gathered);
        KeepIn(all, gathered);
    }

    /// <inheritdoc />
    public void AllToAll<TValue>(TValue[] send, TValue[] receive) where TValue : unmanaged
    {
        RequirePrimitive<TValue>();
        if (send.Length % Size != 0 || receive.Length != send.Length)
            throw new ArgumentException($"An all-to-all among {Size} ranks sends and receives equal blocks: {send.Length} values to send, {receive.Length} places.", nameof(send));
        var received = receive;
        _world.AlltoallFlattened(send, send.Length / Size, ref received);
        KeepIn(receive, received);
    }

    /// <summary>MPI.NET may hand back another array than the one it was given (in a job of one it returns its input): the
    /// values must end up in the caller's.</summary>
    private static void KeepIn<TValue>(TValue[] target, TValue[] result)
    {
        if (!ReferenceEquals(target, result)) result.AsSpan(0, target.Length).CopyTo(target);
    }

    private static readonly TimeSpan ForwardingWait = TimeSpan.FromMilliseconds(300);

    /// <summary>Prints why, then ends every process of the job (<c>MPI_Abort</c>): this rank failed where the others cannot
    /// learn of it, and they would otherwise wait for ever in their next exchange.</summary>
    public void Abort(Exception reason)
    {
        Console.Error.WriteLine($"Rank {Rank} of {Size} failed and ends the MPI job: {reason}");
        Console.Error.Flush();
        // mpirun forwards a rank's output through its proxy, which the abort ends: about one message in twelve was lost
        // without this moment's wait.
        Thread.Sleep(ForwardingWait);
        _world.Abort(1);
    }

    /// <summary>Waits until every rank has called it.</summary>
    public void Barrier() => _world.Barrier();

    /// <summary>Finalises MPI: call it once, after the last exchange, on every rank.</summary>
    public void Dispose() => _environment.Dispose();

    // Other types would take MPI.NET's serialising path, which needs BinaryFormatter.
    private static void RequirePrimitive<TValue>()
    {
        if (typeof(TValue) != typeof(float) && typeof(TValue) != typeof(double) && typeof(TValue) != typeof(int) && typeof(TValue) != typeof(long))
            throw new NotSupportedException($"MPI exchanges of {typeof(TValue).Name} are not supported; float, double, int and long are.");
    }
}
