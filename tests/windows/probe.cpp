// Static layout probe: the Native API declarations in the shape of the kit headers
// (tests/host/addin_api.h with _WINDOWS) compiled by clang for the MSVC ABI, x86 and x64.
// Nothing here runs: code generation for these functions makes clang lay out every record and
// vftable the add-in and the host share, and -fdump-record-layouts / -fdump-vtable-layouts print
// them. tests/windows_layout.rs compares the dumps with the Rust side's table.
#include "../host/addin_api.h"

// Mirrors the platform's add-in object: a class deriving from IComponentBase (its four bases).
struct ProbeComponent : IComponentBase {};

// The sizes force the record layouts; each call forces its interface's vftable layout
// (clang computes and dumps a vftable when it emits a virtual call through it).
unsigned probe_records() {
    return sizeof(tVariant) + sizeof(struct tm) + sizeof(AppInfo) + sizeof(ProbeComponent);
}

void probe_host_side(IComponentBase* c, IMemoryManager* m, IAddInDefBaseEx* d, IMsgBox* b,
                     IPlatformInfo* pi, IAttachedInfo* ai) {
    c->Init(nullptr);
    static_cast<ILanguageExtenderBase*>(c)->FindMethod(nullptr);
    static_cast<LocaleBase*>(c)->SetLocale(nullptr);
    static_cast<UserLanguageBase*>(c)->SetUserInterfaceLanguageCode(nullptr);
    m->FreeMemory(nullptr);
    d->GetInterface(eIMsgBox);
    b->Alert(nullptr);
    pi->GetPlatformInfo();
    ai->GetAttachedInfo();
    delete c;  // the scalar deleting destructor, as a C++ host would call it
    delete m;
    delete d;
}
